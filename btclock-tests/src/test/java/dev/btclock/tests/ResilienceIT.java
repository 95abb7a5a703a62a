package dev.btclock.tests;

import dev.btclock.core.Await;
import dev.btclock.server.ServerAssembly;
import dev.btclock.server.ws.Protocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

import java.time.Duration;
import java.util.Map;

import static dev.btclock.core.GoldenVectors.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What happens when the upstream, a client or the process misbehaves or goes away. */
@BothEngines
class ResilienceIT {

    @Parameter
    String engine;

    @BeforeEach
    void useEngine() {
        TestServer.useEngine(engine);
    }

    @AfterEach
    void defaultEngine() {
        TestServer.useEngine(null);
    }

    private FakeMempoolServer mempool;
    private ServerAssembly server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (mempool != null) {
            mempool.close();
        }
    }

    private void start(Map<String, String> extra) throws Exception {
        mempool = FakeMempoolServer.start();
        server = TestServer.startHealthy(mempool, extra);
    }

    @Test
    void healthz_namesTheUpstreamOutage_butKeepsServing_andIsOkWhenItIsBack() throws Exception {
        start(Map.of());
        var ok = TestServer.get(server.port(), "/healthz");
        assertEquals(200, ok.statusCode());
        assertEquals("ok", ok.body());
        assertEquals(200, TestServer.get(server.metricsPort(), "/healthz").statusCode());

        mempool.stop();
        // The node still has values for its devices, and no other node has fresher ones: it stays in.
        Await.until("degraded: upstream down", Duration.ofSeconds(15), () -> body(server.port()).startsWith("degraded: upstream down (mempool-ws: "));
        assertEquals(200, status(server.port()));
        assertTrue(body(server.metricsPort()).startsWith("degraded: upstream down (mempool-ws: "), body(server.metricsPort()));

        mempool.restart();
        Await.until("ok again", Duration.ofSeconds(30), () -> body(server.port()).equals("ok"));
        Await.until("metric active", Duration.ofSeconds(5), () -> metrics().contains(
                "btclock_upstream_source_active{driver=\"mempool-ws\",kind=\"fee\"} 1.0"));
    }

    private static String body(int port) {
        try {
            return TestServer.get(port, "/healthz").body();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static int status(int port) {
        try {
            return TestServer.get(port, "/healthz").statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private String metrics() {
        try {
            return TestServer.get(server.metricsPort(), "/metrics").body();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void clientThatStopsReading_isDisconnected_whileOthersGetEveryFrame() throws Exception {
        start(Map.of("WS_QUEUE_FRAMES", "16"));
        try (WsTestClient slow = WsTestClient.connectNotReading(server.port(), "/ws");
             WsTestClient normal = WsTestClient.connect(server.port(), "/ws")) {
            normal.next(3);
            Await.until("both connected", Duration.ofSeconds(5), () -> server.clientsConnected(Protocol.V1) == 2);
            int n = 20000;
            int batch = 100;
            // Paced in batches the normal client has room for, however slowly this machine runs its reader;
            // the stalled client falls further behind with every batch until its queue overflows.
            for (int from = 1; from <= n; from += batch) {
                for (int i = from; i < from + batch; i++) {
                    mempool.pushConversions("{\"time\":" + i + ",\"USD\":" + (70000 + 10 * i) + "}");
                }
                for (int i = from; i < from + batch; i++) {
                    assertEquals("{\"bitcoin\":" + (70000 + 10 * i) + "}", normal.next().text(), "frame " + i);
                }
            }
            Await.until("slow client dropped", Duration.ofSeconds(10), () -> server.metrics().backpressureDrops(Protocol.V1) == 1);
            slow.resumeReading();
            assertTrue(slow.awaitEnd(Duration.ofSeconds(10)), "slow client's TCP connection was closed");
            Await.until("slow client forgotten", Duration.ofSeconds(5), () -> server.clientsConnected(Protocol.V1) == 1);
            assertTrue(metrics().contains("btclock_ws_backpressure_drops_total{proto=\"v1\"} 1.0"), metrics());
        }
    }

    @Test
    void oversizedOrMalformedClientFrame_closesOnlyThatClient() throws Exception {
        start(Map.of());
        try (WsTestClient bystander = WsTestClient.connect(server.port(), "/api/v2/ws");
             WsTestClient big = WsTestClient.connect(server.port(), "/api/v2/ws");
             WsTestClient broken = WsTestClient.connect(server.port(), "/api/v2/ws")) {
            bystander.next();
            big.next();
            broken.next();
            bystander.sendBinary(bytes("11"));
            bystander.next();

            big.sendBinary(new byte[100_000]);
            WsTestClient.Frame close = big.next();
            assertEquals(0x8, close.opcode());
            assertTrue(close.closeCode() == 1009 || close.closeCode() == 1011, "close code " + close.closeCode());

            broken.sendText("x");
            broken.sendBinary(new byte[] {(byte) 0xc1});
            broken.sendPing(new byte[200]);
            assertTrue(broken.awaitEnd(Duration.ofSeconds(10)) || broken.next().opcode() == 0x8);
            // A ping of 200 bytes breaks RFC 6455 (control frames carry at most 125): counted, on either engine.
            Await.until("the protocol error counted", Duration.ofSeconds(5),
                    () -> metrics().contains("btclock_ws_protocol_errors_total{code=\"1002\"} 1.0"), this::metrics);

            mempool.pushBlock(870124, "bbb", 12.5);
            assertEquals("81 ab 62 6c 6f 63 6b 68 65 69 67 68 74 ce 00 0d 46 ec",
                    dev.btclock.core.GoldenVectors.hex(bystander.next().payload()));
        }
    }

    @Test
    void shutdown_closesClientsWith1001() throws Exception {
        start(Map.of());
        try (WsTestClient v1 = WsTestClient.connect(server.port(), "/ws");
             WsTestClient v2 = WsTestClient.connect(server.port(), "/api/v2/ws")) {
            v1.next(3);
            v2.next();
            server.close();
            WsTestClient.Frame a = v1.next();
            WsTestClient.Frame b = v2.next();
            assertEquals(0x8, a.opcode());
            assertEquals(1001, a.closeCode());
            assertEquals(1001, b.closeCode());
            assertTrue(v1.awaitEnd(Duration.ofSeconds(5)));
        }
    }

    @Test
    void clientPing_keepsTheConnectionUsable() throws Exception {
        start(Map.of());
        try (WsTestClient c = WsTestClient.connect(server.port(), "/api/v2/ws")) {
            c.next();
            c.sendPing(new byte[] {1, 2, 3});
            c.sendBinary(bytes("11"));
            assertEquals(0x2, c.next().opcode());
        }
    }
}
