package dev.btclock.tests;

import dev.btclock.core.Await;
import dev.btclock.server.ServerAssembly;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Primary bitcoind, secondary mempool, devices on the other side: the primary goes away, the
 * secondary's values reach devices after the grace window; the primary returns and takes over,
 * without a repeated height. (The grace rules themselves are unit-tested with a manual clock.)
 */
class FailoverIT {

    private FakeBitcoind bitcoind;
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
        if (bitcoind != null) {
            bitcoind.close();
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
    void secondaryServesWhilePrimaryIsDown_primaryTakesOverWhenBack() throws Exception {
        bitcoind = FakeBitcoind.start();
        mempool = FakeMempoolServer.start();
        mempool.tip(903412, FakeBitcoind.hash(903412));
        mempool.medianFee(20);
        Map<String, String> env = new HashMap<>(bitcoind.settings());
        env.put("UPSTREAM", "bitcoind-rpc");
        env.put("UPSTREAM_FALLBACK", "mempool-ws");
        env.put("BITCOIND_POLL_SECONDS", "1");
        env.put("BITCOIND_FEE_SECONDS", "1");
        env.put("FAILOVER_BLOCK_GRACE_SECONDS", "3");
        env.put("FAILOVER_FEE_GRACE_SECONDS", "2");
        server = TestServer.start(TestServer.config(mempool, env));
        Await.until("primary serving", Duration.ofSeconds(15), () -> server.health().healthy()
                && metrics().contains("btclock_upstream_source_active{driver=\"bitcoind-rpc\",kind=\"fee\"} 1.0")
                && server.state().snapshot().prices().containsKey("USD"));

        try (WsTestClient v1 = WsTestClient.connect(server.port(), "/ws")) {
            assertEquals("{\"bitcoin\":64212}", v1.next().text(), "prices from the secondary: bitcoind has none");
            assertEquals("{\"block\":{\"height\":903412}}", v1.next().text());
            assertEquals("{\"mempool-blocks\":[{\"medianFee\":4}]}", v1.next().text(), "bitcoind's 3.5, rounded");

            bitcoind.stop();
            assertEquals("{\"mempool-blocks\":[{\"medianFee\":20}]}", v1.next().text(), "the secondary's fee after the grace");
            mempool.pushBlock(903413, FakeBitcoind.hash(903413), 20);
            assertEquals("{\"block\":{\"height\":903413}}", v1.next().text());
            assertEquals(200, TestServer.get(server.port(), "/healthz").statusCode(), "one driver can still serve");
            assertTrue(metrics().contains("btclock_upstream_source_active{driver=\"mempool-ws\",kind=\"block\"} 1.0"));

            bitcoind.tip(903413);
            bitcoind.mempool(FakeBitcoind.mempool(10, 20, 30, 40));
            bitcoind.restart();
            // The primary is back on the same tip: its fee comes through, 903413 is not sent again.
            assertEquals("{\"mempool-blocks\":[{\"medianFee\":25}]}", v1.next().text());
            Await.until("primary active again", Duration.ofSeconds(10), () -> metrics().contains(
                    "btclock_upstream_source_active{driver=\"bitcoind-rpc\",kind=\"block\"} 1.0"));
            bitcoind.tip(903414);
            assertEquals("{\"block\":{\"height\":903414}}", v1.next().text());
            assertEquals(0, v1.pending());
        }
    }

    @Test
    void bitcoindWithoutPriceSource_runsWithoutPrices() throws Exception {
        bitcoind = FakeBitcoind.start();
        mempool = FakeMempoolServer.start();
        Map<String, String> env = new HashMap<>(bitcoind.settings());
        env.put("UPSTREAM", "bitcoind-zmq");
        env.put("PRICE_SOURCE", "none");
        server = TestServer.start(TestServer.config(mempool, env));
        Await.until("healthy", Duration.ofSeconds(15), () -> server.health().healthy());
        try (WsTestClient v1 = WsTestClient.connect(server.port(), "/ws")) {
            assertEquals("{}", v1.next().text());
            assertEquals("{\"block\":{\"height\":903412}}", v1.next().text());
        }
        assertEquals(0, mempool.clients(), "no connection to mempool at all");
    }

    @Test
    void bitcoindPrimary_getsPricesFromTheMempoolInstance_byDefault() throws Exception {
        bitcoind = FakeBitcoind.start();
        mempool = FakeMempoolServer.start();
        Map<String, String> env = new HashMap<>(bitcoind.settings());
        env.put("UPSTREAM", "bitcoind-rpc");
        server = TestServer.start(TestServer.config(mempool, env));
        Await.until("prices and bitcoind data", Duration.ofSeconds(15), () -> server.health().healthy()
                && server.state().snapshot().prices().containsKey("USD"));
        try (WsTestClient v1 = WsTestClient.connect(server.port(), "/ws")) {
            assertEquals("{\"bitcoin\":64212}", v1.next().text());
            assertEquals("{\"block\":{\"height\":903412}}", v1.next().text(), "the block from bitcoind, not mempool's 870123");
        }
    }
}
