package dev.btclock.server.http;

import org.glassfish.grizzly.http.server.Response;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The status page for operators, {@code /status}: a plain HTML page with its own script and style
 * sheet, read from the jar once ({@code dev/btclock/server/http/status/}). The script polls
 * {@code /healthz/detail} and the REST endpoints every 2 s and shows what devices get, who
 * serves it and how the node stands; it writes every value as text, never as markup.
 *
 * <p>Every file goes out with a Content-Security-Policy that allows only this origin's scripts,
 * styles and requests ({@value #CSP}), so nothing the data contains can run. Immutable; thread-safe.
 */
final class StatusPage {

    /** The page's path. */
    static final String PATH = "/status";
    /** Scripts, styles and requests from this origin only; no plug-ins, forms, base or framing. */
    static final String CSP = "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
            + "frame-ancestors 'none'";

    private record Asset(String contentType, String body) {
    }

    private final Map<String, Asset> assets;

    /** Reads the page's files from the class path. */
    StatusPage() {
        assets = Map.of(
                PATH, new Asset("text/html; charset=utf-8", read("status.html")),
                PATH + "/status.js", new Asset("text/javascript; charset=utf-8", read("status.js")),
                PATH + "/status.css", new Asset("text/css; charset=utf-8", read("status.css")));
    }

    /** Whether {@code path} is one of the page's files. */
    boolean serves(String path) {
        return assets.containsKey(path);
    }

    /** Answers a GET (or HEAD) of {@code path}, one of the page's files. */
    void serve(String path, Response res) throws IOException {
        Asset a = assets.get(path);
        res.setHeader("Content-Security-Policy", CSP);
        res.setHeader("X-Content-Type-Options", "nosniff");
        res.setHeader("Referrer-Policy", "no-referrer");
        res.setHeader("Cache-Control", "no-cache");
        Responses.send(res, 200, a.contentType(), a.body());
    }

    private static String read(String name) {
        try (InputStream in = StatusPage.class.getResourceAsStream("status/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the status page's " + name + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
