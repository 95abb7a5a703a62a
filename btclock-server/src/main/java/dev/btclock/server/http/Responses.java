package dev.btclock.server.http;

import org.glassfish.grizzly.http.server.Response;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Writing small complete responses. */
final class Responses {

    static final String JSON = "application/json; charset=utf-8";
    static final String TEXT = "text/plain; charset=utf-8";

    private Responses() {
    }

    static void send(Response res, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        res.setStatus(status);
        if (contentType != null) {
            res.setHeader("Content-Type", contentType);
        }
        res.setContentLength(bytes.length);
        res.getOutputStream().write(bytes);
    }

    /**
     * fastify's error body, which the TypeScript server answered for unknown routes. The method and
     * the path are the client's: both are escaped, so the body is always one valid JSON object.
     */
    static void notFound(Response res, String method, String path) throws IOException {
        send(res, 404, JSON, "{\"message\":\"Route " + jsonEscape(method) + ":" + jsonEscape(path)
                + " not found\",\"error\":\"Not Found\",\"statusCode\":404}");
    }

    static void health(Response res, HealthCheck.Status status) throws IOException {
        send(res, status.healthy() ? 200 : 503, TEXT, status.reason());
    }

    /**
     * {@code s} as the inside of a JSON string: quotes and backslashes escaped, and everything
     * outside printable ASCII as {@code \\uXXXX} (control characters, DEL, and the bytes of a
     * request line that Grizzly reads as ISO-8859-1).
     */
    static String jsonEscape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
