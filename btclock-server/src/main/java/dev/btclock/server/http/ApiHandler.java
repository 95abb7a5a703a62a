package dev.btclock.server.http;

import dev.btclock.core.codec.JsNumbers;
import dev.btclock.core.state.Snapshot;
import org.glassfish.grizzly.http.Method;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;

import java.util.Map;
import java.util.function.Supplier;

/**
 * The REST endpoints of docs/protocol.md §2.4 on the device port, plus {@code /healthz}:
 * {@code /api/lastblock} (bare integer), {@code /api/lastfee} (JavaScript number text),
 * {@code /api/lastprice} (object, USD first; with the {@value PriceAges#HEADER} header giving
 * each price's age in seconds, {@code USD=3, EUR=3}, which leaves the body as devices know it),
 * {@code /api/v2/currencies} (array, USD first).
 * Before the first value a datum answers 503. {@code /healthz/detail} is the node's state as JSON
 * ({@link NodeHealth}); {@code /status} is the status page that reads it ({@link StatusPage}).
 * Anything else, {@code /} included, is fastify's 404; a plain GET on a WebSocket path answers 404
 * with an empty body, as before. HEAD answers as GET does, without the body.
 */
public final class ApiHandler extends HttpHandler {

    private final Supplier<Snapshot> state;
    private final HealthCheck health;
    private final PriceAges ages;
    private final StatusPage page = new StatusPage();

    /** Serves {@code state}'s latest snapshot, its prices' {@code ages} and {@code health}. */
    public ApiHandler(Supplier<Snapshot> state, PriceAges ages, HealthCheck health) {
        this.state = state;
        this.ages = ages;
        this.health = health;
    }

    @Override
    public void service(Request req, Response res) throws Exception {
        String path = req.getRequestURI();
        String method = req.getMethod().getMethodString();
        boolean get = req.getMethod() == Method.GET || req.getMethod() == Method.HEAD;
        if (get && path.equals("/healthz")) {
            Responses.health(res, health.get());
            return;
        }
        if (get && path.equals("/healthz/detail")) {
            Responses.send(res, 200, Responses.JSON, health.detail());
            return;
        }
        if (get && page.serves(path)) {
            page.serve(path, res);
            return;
        }
        if (get && (path.equals("/ws") || path.equals("/api/v1/ws") || path.equals("/api/v2/ws"))) {
            res.setStatus(404);
            res.setContentLength(0);
            return;
        }
        Snapshot s = state.get();
        if (get) {
            switch (path) {
                case "/api/lastblock" -> {
                    if (s.blockHeight().isEmpty()) {
                        unavailable(res);
                    } else {
                        Responses.send(res, 200, Responses.JSON, Long.toString(s.height()));
                    }
                    return;
                }
                case "/api/lastfee" -> {
                    if (s.medianFee().isEmpty()) {
                        unavailable(res);
                    } else {
                        Responses.send(res, 200, Responses.JSON, JsNumbers.format(s.fee()));
                    }
                    return;
                }
                case "/api/lastprice" -> {
                    StringBuilder sb = new StringBuilder("{");
                    for (Map.Entry<String, Long> e : s.prices().entrySet()) {
                        if (sb.length() > 1) {
                            sb.append(',');
                        }
                        sb.append('"').append(e.getKey()).append("\":").append(e.getValue());
                    }
                    String age = ages.header();
                    if (!age.isEmpty()) {
                        res.setHeader(PriceAges.HEADER, age);
                    }
                    Responses.send(res, 200, Responses.JSON, sb.append('}').toString());
                    return;
                }
                case "/api/v2/currencies" -> {
                    StringBuilder sb = new StringBuilder("[");
                    for (String c : s.prices().keySet()) {
                        if (sb.length() > 1) {
                            sb.append(',');
                        }
                        sb.append('"').append(c).append('"');
                    }
                    Responses.send(res, 200, Responses.JSON, sb.append(']').toString());
                    return;
                }
                default -> {
                    // fall through to 404
                }
            }
        }
        Responses.notFound(res, method, path);
    }

    private static void unavailable(Response res) throws java.io.IOException {
        Responses.send(res, 503, Responses.JSON,
                "{\"message\":\"no data yet\",\"error\":\"Service Unavailable\",\"statusCode\":503}");
    }
}
