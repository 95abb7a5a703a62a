package dev.btclock.tests;

import dev.btclock.core.config.ConfigException;
import dev.btclock.server.ServerAssembly;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code DIAGNOSTICS}: off by default, only on the metrics port, and what each diagnostic returns. */
class DiagnosticsIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private FakeMempoolServer mempool;
    private ServerAssembly server;

    @BeforeEach
    void start() throws Exception {
        mempool = FakeMempoolServer.start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        mempool.close();
    }

    private static HttpResponse<byte[]> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    void offByDefault_everyDiagnosticIsRefusedNamingTheSetting_andNoneIsOnTheDevicePort() throws Exception {
        server = TestServer.startHealthy(mempool, Map.of());
        for (String path : new String[] {"/debug/threads", "/debug/heap-histogram", "/debug/jfr?seconds=1", "/debug/nope"}) {
            HttpResponse<byte[]> r = get(server.metricsPort(), path);
            assertEquals(403, r.statusCode(), path);
            assertEquals("diagnostics are off: set DIAGNOSTICS=true to serve /debug/threads, /debug/heap-histogram and /debug/jfr "
                    + "on the metrics port\n", text(r));
        }
        assertEquals(404, get(server.port(), "/debug/threads").statusCode(), "never on the device port");
    }

    @Test
    void enabled_threadsHistogramAndJfr_onTheMetricsPortOnly() throws Exception {
        server = TestServer.startHealthy(mempool, Map.of("DIAGNOSTICS", "true"));
        assertEquals(404, get(server.port(), "/debug/threads").statusCode(), "never on the device port, even when on");

        String threads = text(get(server.metricsPort(), "/debug/threads"));
        assertTrue(threads.contains("\"btclock-mempool-ws\"") && threads.contains("\tat "), threads.substring(0, 400));
        String histogram = text(get(server.metricsPort(), "/debug/heap-histogram"));
        assertTrue(histogram.contains("java.lang.String") && histogram.contains("Total"), histogram.substring(0, Math.min(400, histogram.length())));

        // Its own client and connection: the recording holds its response for two seconds.
        HttpClient other = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        CompletableFuture<HttpResponse<byte[]>> recording = other.sendAsync(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.metricsPort() + "/debug/jfr?seconds=3")).build(), HttpResponse.BodyHandlers.ofByteArray());
        dev.btclock.core.Await.until("the recording running", Duration.ofSeconds(10), () -> {
            try {
                return text(get(server.metricsPort(), "/debug/threads")).contains("\"btclock-diagnostics-jfr\"");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        HttpResponse<byte[]> second = get(server.metricsPort(), "/debug/jfr?seconds=1");
        assertEquals(409, second.statusCode(), "one recording at a time");
        assertEquals("a recording is already running; try again when it is done\n", text(second));
        assertEquals(200, get(server.metricsPort(), "/metrics").statusCode(), "scrapes go on during a recording");
        HttpResponse<byte[]> jfr = recording.get();
        assertEquals(200, jfr.statusCode());
        assertTrue(jfr.headers().firstValue("Content-Disposition").orElse("").matches("attachment; filename=\"btclock-\\d+\\.jfr\""));
        assertArrayEquals(new byte[] {'F', 'L', 'R', 0}, Arrays.copyOf(jfr.body(), 4), "a JFR file");
    }

    @Test
    void badRequests_getAClearAnswer() throws Exception {
        server = TestServer.startHealthy(mempool, Map.of("DIAGNOSTICS", "true"));
        for (String bad : new String[] {"0", "301", "abc", "1e3", "%00", "-5", "99999999999999999999"}) {
            HttpResponse<byte[]> r = get(server.metricsPort(), "/debug/jfr?seconds=" + bad);
            assertEquals(400, r.statusCode(), bad);
            assertEquals("seconds must be a whole number from 1 to 300\n", text(r));
        }
        assertEquals(404, get(server.metricsPort(), "/debug/%2e%2e/metrics").statusCode());
        HttpResponse<byte[]> post = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.metricsPort() + "/debug/threads"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(405, post.statusCode());
        assertEquals(200, get(server.metricsPort(), "/metrics").statusCode(), "the metrics port still serves");
    }

    @Test
    void diagnosticsWithoutAMetricsPort_isAConfigurationError() {
        ConfigException e = assertThrows(ConfigException.class, () -> TestServer.config(mempool,
                Map.of("DIAGNOSTICS", "true", "METRICS_ADDR", "off")));
        assertEquals(java.util.List.of("DIAGNOSTICS needs the metrics port (METRICS_ADDR is off): diagnostics are never served on "
                + "the device port"), e.problems());
    }
}
