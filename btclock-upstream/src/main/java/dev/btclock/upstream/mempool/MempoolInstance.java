package dev.btclock.upstream.mempool;

import dev.btclock.core.config.ConfigException;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * Where a mempool instance lives. {@code MEMPOOL_INSTANCE} is either a host ({@code mempool.space},
 * {@code mempool.example:4080}: HTTPS and WSS) or a base URL with a scheme
 * ({@code http://127.0.0.1:8999}: plain HTTP and WS; {@code https://mempool.space/signet}: a network prefix).
 *
 * @param restBase base for REST calls, without a trailing slash, e.g. {@code https://mempool.space}
 * @param webSocket the WebSocket endpoint, e.g. {@code wss://mempool.space/api/v1/ws}
 */
public record MempoolInstance(URI restBase, URI webSocket) {

    /**
     * Parses a {@code MEMPOOL_INSTANCE} value.
     *
     * @throws ConfigException naming {@code MEMPOOL_INSTANCE} when the value is not a host or an http(s) URL
     */
    public static MempoolInstance parse(String value) {
        String v = value == null ? "" : value.trim();
        String base = v.contains("://") ? v : "https://" + v;
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        URI uri;
        try {
            uri = new URI(base);
        } catch (URISyntaxException e) {
            throw invalid(v);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (uri.getHost() == null || !(scheme.equals("http") || scheme.equals("https"))
                || uri.getQuery() != null || uri.getFragment() != null) {
            throw invalid(v);
        }
        String wsScheme = scheme.equals("https") ? "wss" : "ws";
        URI ws = URI.create(wsScheme + base.substring(scheme.length()) + "/api/v1/ws");
        return new MempoolInstance(uri, ws);
    }

    /** {@code restBase + path}; {@code path} starts with a slash. */
    public URI rest(String path) {
        return URI.create(restBase + path);
    }

    private static ConfigException invalid(String v) {
        return new ConfigException("MEMPOOL_INSTANCE must be a host name (mempool.space) or an http(s):// base URL "
                + "(http://127.0.0.1:8999), got \"" + v + "\"");
    }
}
