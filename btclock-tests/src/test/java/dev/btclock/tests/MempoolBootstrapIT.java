package dev.btclock.tests;

import dev.btclock.core.Await;
import dev.btclock.server.ServerAssembly;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The REST bootstrap against a mempool backend as it is really built: its WebSocket server takes
 * every request that carries {@code Upgrade}, so an HTTP client offering {@code h2c} on a plain
 * {@code http://} instance gets 400 for every REST call.
 */
class MempoolBootstrapIT {

    private FakeMempoolServer mempool;
    private ServerAssembly server;
    private ServerProcess process;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (process != null) {
            process.close();
        }
        if (mempool != null) {
            mempool.close();
        }
    }

    @Test
    void restBootstrap_overPlainHttp_isAnsweredByAMempoolBackend() throws Exception {
        mempool = FakeMempoolServer.start();
        server = TestServer.startHealthy(mempool, Map.of());
        Await.until("the three bootstrap calls answered", Duration.ofSeconds(10), () -> mempool.restAnswered() >= 3);
        assertEquals(0, mempool.rejectedUpgrades(), "a REST call offered an upgrade (h2c) and was refused");
        assertEquals(870123L, server.state().snapshot().height());
    }

    @Test
    void failingBootstrap_isWarnedOncePerOutage_andItsEndIsLogged() throws Exception {
        mempool = FakeMempoolServer.start();
        mempool.restStatus(503);
        process = ServerProcess.launch(Map.of("LISTEN_ADDR", "127.0.0.1:0", "METRICS_ADDR", "off",
                "MEMPOOL_INSTANCE", mempool.baseUrl()));
        process.awaitLine("REST bootstrap from " + mempool.baseUrl() + " failed: GET /api/blocks/tip/height answered HTTP 503");
        // Two more reconnects, each bootstrapping again against the failing REST side.
        for (int i = 0; i < 2; i++) {
            Await.until("the driver reconnected", Duration.ofSeconds(20), () -> mempool.clients() == 1);
            mempool.dropClients();
            process.awaitLine("reconnecting in");
        }
        Await.until("reconnected", Duration.ofSeconds(20), () -> mempool.clients() == 1);
        mempool.restStatus(200);
        mempool.dropClients();
        process.awaitLine("REST bootstrap from " + mempool.baseUrl() + " works again");
        String out = process.output();
        assertEquals(1, out.lines().filter(l -> l.contains("REST bootstrap") && l.contains("failed")).count(),
                "one warning for the whole outage:\n" + out);
        assertEquals(1, out.lines().filter(l -> l.contains("REST bootstrap") && l.contains("works again")).count(), out);
        assertTrue(out.contains("[WARN] dev.btclock.upstream.mempool.MempoolWsDriver - mempool-ws: REST bootstrap"), out);
    }
}
