package dev.btclock.server.metrics;

import dev.btclock.server.ws.Protocol;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The queue-depth gauge's windows, on a hand-driven clock. */
class ServerMetricsTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void theQueueDepthPeak_coversTheCurrentAndThePreviousFiveSeconds_thenFalls() {
        AtomicLong now = new AtomicLong(42 * SECOND);
        ServerMetrics metrics = new ServerMetrics(false, now::get);
        metrics.queueDepth(Protocol.V1, 10);
        metrics.queueDepth(Protocol.V1, 3);
        assertEquals(10, metrics.queueDepthPeak(Protocol.V1));
        assertEquals(0, metrics.queueDepthPeak(Protocol.V2), "per protocol");

        now.addAndGet(6 * SECOND); // a new window: the previous one still counts
        metrics.queueDepth(Protocol.V1, 4);
        assertEquals(10, metrics.queueDepthPeak(Protocol.V1));

        now.addAndGet(5 * SECOND); // the 10 is two windows old; the 4 is the previous window's
        assertEquals(4, metrics.queueDepthPeak(Protocol.V1));

        now.addAndGet(11 * SECOND); // nothing queued for two windows
        assertEquals(0, metrics.queueDepthPeak(Protocol.V1));
    }

    @Test
    void knownCounterSeries_existFromStart_atZero() throws Exception {
        ServerMetrics m = new ServerMetrics(false);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter.create().write(out, m.scrape());
        String text = out.toString(java.nio.charset.StandardCharsets.UTF_8);
        for (String series : new String[] {"btclock_upstream_events_total{kind=\"fee\"} 0.0",
                "btclock_ws_protocol_errors_total{code=\"1009\"} 0.0", "btclock_inbound_evictions_total{kind=\"http\"} 0.0"}) {
            org.junit.jupiter.api.Assertions.assertTrue(text.contains(series), series + " in\n" + text);
        }
    }
}
