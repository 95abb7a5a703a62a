package dev.btclock.server.http;

import dev.btclock.server.metrics.ServerMetrics;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;

import java.io.ByteArrayOutputStream;

/**
 * The metrics port: {@code /metrics} (Prometheus text format 0.0.4), {@code /healthz},
 * {@code /healthz/detail}, and the {@link Diagnostics} under {@code /debug/} (refused unless
 * {@code DIAGNOSTICS=true}).
 */
public final class MetricsHandler extends HttpHandler {

    private final ServerMetrics metrics;
    private final HealthCheck health;
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Diagnostics diagnostics;

    /** Serves {@code metrics}, {@code health} and {@code diagnostics}. */
    public MetricsHandler(ServerMetrics metrics, HealthCheck health, Diagnostics diagnostics) {
        this.metrics = metrics;
        this.health = health;
        this.diagnostics = diagnostics;
    }

    @Override
    public void service(Request req, Response res) throws Exception {
        if (req.getRequestURI().startsWith(Diagnostics.PREFIX)) {
            diagnostics.serve(req, res);
            return;
        }
        switch (req.getRequestURI()) {
            case "/metrics" -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
                writer.write(out, metrics.scrape());
                res.setStatus(200);
                res.setHeader("Content-Type", writer.getContentType());
                res.setContentLength(out.size());
                out.writeTo(res.getOutputStream());
            }
            case "/healthz" -> Responses.health(res, health.get());
            case "/healthz/detail" -> Responses.send(res, 200, Responses.JSON, health.detail());
            default -> Responses.send(res, 404, Responses.TEXT, "not found");
        }
    }
}
