package dev.btclock.upstream.bitcoind;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A JSON-RPC client for bitcoind over HTTP with basic auth. Requests use the legacy (1.0) form,
 * which every Core version answers; replies are read as a stream, so a result of tens of
 * megabytes ({@code getrawmempool true}) is parsed without being held as text. Blocking and
 * single-threaded: the driver calls it from its own thread, and it starts no thread of its own.
 */
final class RpcClient {

    /** Reads a method's {@code result} value from the reply stream. */
    @FunctionalInterface
    interface ResultReader<T> {
        T read(JsonReader reader) throws IOException;
    }

    private final URI endpoint;
    private final Supplier<String> authorization;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final AtomicLong ids = new AtomicLong();

    /**
     * @param endpoint    {@code http://host:port/}
     * @param credentials supplies {@code user:password} for each call (a cookie file may change on restart)
     */
    RpcClient(URI endpoint, Supplier<String> credentials, Duration connectTimeout, Duration readTimeout) {
        this.endpoint = endpoint;
        this.authorization = () -> "Basic " + Base64.getEncoder()
                .encodeToString(credentials.get().getBytes(StandardCharsets.UTF_8));
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
    }

    /** Calls {@code method} with {@code paramsJson} (a JSON array) and reads its result. */
    <T> T call(String method, String paramsJson, ResultReader<T> reader) throws RpcException {
        long id = ids.incrementAndGet();
        byte[] body = ("{\"jsonrpc\":\"1.0\",\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + paramsJson + "}")
                .getBytes(StandardCharsets.UTF_8);
        HttpURLConnection c;
        int status;
        try {
            c = (HttpURLConnection) endpoint.toURL().openConnection();
            c.setRequestMethod("POST");
            c.setConnectTimeout((int) connectTimeout.toMillis());
            c.setReadTimeout((int) readTimeout.toMillis());
            c.setDoOutput(true);
            c.setUseCaches(false);
            c.setRequestProperty("Content-Type", "application/json");
            c.setRequestProperty("Authorization", authorization.get());
            try (OutputStream out = c.getOutputStream()) {
                out.write(body);
            }
            status = c.getResponseCode();
        } catch (java.io.UncheckedIOException e) {
            throw new RpcException(RpcException.Kind.UNAUTHORIZED, 0, e.getMessage(), e);
        } catch (IOException e) {
            throw new RpcException(RpcException.Kind.UNREACHABLE, 0, method + ": " + describe(e), e);
        }
        try {
            switch (status) {
                case 401 -> throw new RpcException(RpcException.Kind.UNAUTHORIZED,
                        "bitcoind answered 401 Unauthorized: check BITCOIND_USER and BITCOIND_PASS, or BITCOIND_COOKIE");
                case 403 -> throw new RpcException(RpcException.Kind.FORBIDDEN,
                        "bitcoind answered 403 to " + method + ": not allowed for this user (-rpcwhitelist)");
                case 405 -> throw new RpcException(RpcException.Kind.MALFORMED, "bitcoind answered 405 (not a JSON-RPC endpoint?)");
                case 503 -> throw new RpcException(RpcException.Kind.BUSY,
                        "bitcoind answered 503: " + text(c.getErrorStream()).strip());
                default -> {
                    // 200, or 404/400/500 carrying a JSON error object: classified below, by the JSON.
                }
            }
            InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            if (in == null) {
                throw new RpcException(RpcException.Kind.MALFORMED, method + ": HTTP " + status + " without a body");
            }
            try (JsonReader r = new JsonReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                return reply(method, status, r, reader);
            }
        } catch (IOException | IllegalStateException | NumberFormatException | ArithmeticException e) {
            if (e instanceof java.net.SocketTimeoutException || e instanceof java.net.SocketException) {
                throw new RpcException(RpcException.Kind.UNREACHABLE, 0, method + ": " + describe(e), e);
            }
            throw new RpcException(RpcException.Kind.MALFORMED, 0, method + ": unreadable reply (HTTP " + status + "): "
                    + describe(e), e);
        }
    }

    private static <T> T reply(String method, int status, JsonReader r, ResultReader<T> reader)
            throws IOException, RpcException {
        T result = null;
        boolean haveResult = false;
        r.beginObject();
        while (r.hasNext()) {
            switch (r.nextName()) {
                case "result" -> {
                    if (r.peek() == JsonToken.NULL) {
                        r.nextNull();
                    } else {
                        result = reader.read(r);
                        haveResult = true;
                    }
                }
                case "error" -> {
                    if (r.peek() == JsonToken.NULL) {
                        r.nextNull();
                    } else {
                        throw error(method, r);
                    }
                }
                default -> r.skipValue();
            }
        }
        if (!haveResult) {
            throw new RpcException(RpcException.Kind.MALFORMED, method + ": reply without result (HTTP " + status + ")");
        }
        return result;
    }

    private static RpcException error(String method, JsonReader r) throws IOException {
        int code = 0;
        String message = "";
        r.beginObject();
        while (r.hasNext()) {
            switch (r.nextName()) {
                case "code" -> code = r.nextInt();
                case "message" -> message = r.peek() == JsonToken.NULL ? "" : r.nextString();
                default -> r.skipValue();
            }
        }
        r.endObject();
        RpcException.Kind kind = code == RpcException.RPC_IN_WARMUP ? RpcException.Kind.WARMING_UP : RpcException.Kind.RPC_ERROR;
        return new RpcException(kind, code, method + ": error " + code + " " + message, null);
    }

    private static String text(InputStream in) throws IOException {
        if (in == null) {
            return "";
        }
        try (in) {
            byte[] b = in.readNBytes(512);
            return new String(b, StandardCharsets.UTF_8);
        }
    }

    private static String describe(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    @Override
    public String toString() {
        return endpoint.toString();
    }
}
