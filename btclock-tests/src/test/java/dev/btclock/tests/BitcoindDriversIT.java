package dev.btclock.tests;

import dev.btclock.core.Await;
import dev.btclock.core.event.BlockUpdate;
import dev.btclock.core.event.Event;
import dev.btclock.core.event.FeeUpdate;
import dev.btclock.upstream.spi.DriverConfig;
import dev.btclock.upstream.spi.Drivers;
import dev.btclock.upstream.spi.UpstreamDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bitcoind drivers against a fake that speaks bitcoind's real RPC and ZMQ formats. */
class BitcoindDriversIT {

    private FakeBitcoind bitcoind;
    private UpstreamDriver driver;
    private final List<Event> events = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
        if (bitcoind != null) {
            bitcoind.close();
        }
    }

    private void start(String name, Map<String, String> extra) throws Exception {
        if (bitcoind == null) {
            bitcoind = FakeBitcoind.start();
        }
        Map<String, String> settings = new HashMap<>(bitcoind.settings());
        settings.put("BITCOIND_POLL_SECONDS", "1");
        settings.put("BITCOIND_FEE_SECONDS", "1");
        settings.putAll(extra);
        driver = Drivers.installed().find(name).create(DriverConfig.from(settings));
        driver.start(events::add);
    }

    /**
     * The driver's SUB socket connected and signed up for hashblock and sequence at the fake. A
     * connect that jeromq leaves unpolled is retried after the driver's 5 s handshake timeout; the
     * wait allows for two of those in a row.
     */
    private void awaitSubscribed() {
        Await.until("the driver subscribed at the fake", Duration.ofSeconds(20), () -> bitcoind.subscriptions() >= 2,
                () -> bitcoind.subscriptions() + " subscriptions at " + bitcoind.zmqEndpoint() + ", " + driver.health());
    }

    private List<Long> heights() {
        return events.stream().filter(e -> e instanceof BlockUpdate).map(e -> ((BlockUpdate) e).height()).toList();
    }

    private List<Double> fees() {
        return events.stream().filter(e -> e instanceof FeeUpdate).map(e -> ((FeeUpdate) e).medianFee()).toList();
    }

    @Test
    void rpc_heightHashAndMempoolsMedianFee() throws Exception {
        start("bitcoind-rpc", Map.of());
        Await.until("block and fee", Duration.ofSeconds(10), () -> !heights().isEmpty() && !fees().isEmpty());
        BlockUpdate b = (BlockUpdate) events.stream().filter(e -> e instanceof BlockUpdate).findFirst().orElseThrow();
        assertEquals(903412, b.height());
        assertEquals(FakeBitcoind.hash(903412), b.hash());
        assertEquals("bitcoind-rpc", b.source());
        assertEquals(List.of(3.5), fees());
        assertTrue(driver.health().connected());

        bitcoind.tip(903413);
        bitcoind.mempool(FakeBitcoind.mempool(10, 20, 30, 40));
        // 40, 30, 20 fit; Σ 3,000,000 WU: 20 below the middle, 30 above.
        Await.until("next block and fee", Duration.ofSeconds(10), () -> heights().contains(903413L) && fees().contains(25.0));
        assertEquals(List.of(903412L, 903413L), heights(), "each tip once");
    }

    @Test
    void rpc_getrawmempoolFailing_fallsBackToEstimatesmartfee() throws Exception {
        bitcoind = FakeBitcoind.start();
        bitcoind.rawMempoolFails(true);
        start("bitcoind-rpc", Map.of());
        Await.until("fee from estimatesmartfee", Duration.ofSeconds(10), () -> fees().contains(4.21));
        assertEquals(0, bitcoind.calls("getrawmempool"));
    }

    @Test
    void rpc_badCredentials_sayWhichSetting_andNoEventFlows() throws Exception {
        start("bitcoind-rpc", Map.of("BITCOIND_PASS", "wrong"));
        Await.until("health says why", Duration.ofSeconds(10), () -> driver.health().detail().contains("BITCOIND_USER"));
        assertFalse(driver.health().connected());
        assertTrue(events.isEmpty());
    }

    @Test
    void server_withBadCredentials_saysInHealthWhichDriverFailsAndWhichSettingToCheck() throws Exception {
        bitcoind = FakeBitcoind.start();
        Map<String, String> env = new HashMap<>(bitcoind.settings());
        env.put("BITCOIND_PASS", "wrong-secret");
        env.put("UPSTREAM", "bitcoind-rpc");
        env.put("PRICE_SOURCE", "none");
        env.put("LISTEN_ADDR", "127.0.0.1:0");
        env.put("METRICS_ADDR", "127.0.0.1:0");
        try (dev.btclock.server.ServerAssembly server = TestServer.start(dev.btclock.server.ServerConfig.from(env))) {
            String expected = "no data yet: upstream down (bitcoind-rpc: bitcoind answered 401 Unauthorized: "
                    + "check BITCOIND_USER and BITCOIND_PASS, or BITCOIND_COOKIE)";
            Await.until("/healthz names the cause", Duration.ofSeconds(10),
                    () -> expected.equals(body(server.metricsPort(), "/healthz")), () -> body(server.metricsPort(), "/healthz"));
            assertEquals(503, TestServer.get(server.port(), "/healthz").statusCode());
            assertEquals(expected, TestServer.get(server.port(), "/healthz").body(), "the device port says the same");
            String detail = body(server.metricsPort(), "/healthz/detail");
            assertTrue(detail.contains("{\"name\":\"bitcoind-rpc\",\"connected\":false,\"detail\":\"bitcoind answered 401"), detail);
            assertFalse(detail.contains("wrong-secret"), detail);
        }
    }

    private static String body(int port, String path) {
        try {
            return TestServer.get(port, path).body();
        } catch (Exception e) {
            return e.toString();
        }
    }

    @Test
    void rpc_warmUpAndBusy_areWaitedOut() throws Exception {
        bitcoind = FakeBitcoind.start();
        bitcoind.mode(FakeBitcoind.Mode.WARMING_UP);
        start("bitcoind-rpc", Map.of());
        Await.until("warming up", Duration.ofSeconds(10), () -> driver.health().detail().contains("warming up"));
        bitcoind.mode(FakeBitcoind.Mode.BUSY);
        Await.until("busy", Duration.ofSeconds(10), () -> driver.health().detail().contains("Work queue depth exceeded"));
        assertTrue(events.isEmpty());
        bitcoind.mode(FakeBitcoind.Mode.NORMAL);
        Await.until("data once ready", Duration.ofSeconds(15),
                () -> !heights().isEmpty() && !fees().isEmpty() && driver.health().connected());
    }

    @Test
    void rpc_errorsAreClassifiedByTheJsonErrorObject_evenWithHttp200() throws Exception {
        bitcoind = FakeBitcoind.start();
        bitcoind.jsonRpc2(true);
        bitcoind.mode(FakeBitcoind.Mode.WARMING_UP);
        start("bitcoind-rpc", Map.of());
        Await.until("warming up, from an HTTP 200 reply", Duration.ofSeconds(10),
                () -> driver.health().detail().contains("warming up"));
        assertTrue(events.isEmpty());
        bitcoind.mode(FakeBitcoind.Mode.NORMAL);
        bitcoind.rawMempoolFails(true);
        Await.until("estimatesmartfee after a 200 error reply to getrawmempool", Duration.ofSeconds(15),
                () -> fees().contains(4.21));
    }

    @Test
    void rpc_reconnectsAfterTheNodeWasDown() throws Exception {
        start("bitcoind-rpc", Map.of());
        Await.until("up", Duration.ofSeconds(10), () -> driver.health().connected());
        bitcoind.stop();
        Await.until("down", Duration.ofSeconds(10), () -> !driver.health().connected());
        bitcoind.tip(903420);
        bitcoind.restart();
        Await.until("back with the new tip", Duration.ofSeconds(20),
                () -> heights().contains(903420L) && driver.health().connected());
    }

    @Test
    void zmq_hashblockBringsTheNewTip_withoutWaitingForThePoll() throws Exception {
        start("bitcoind-zmq", Map.of("BITCOIND_POLL_SECONDS", "60"));
        Await.until("first tip", Duration.ofSeconds(10), () -> heights().contains(903412L) && !fees().isEmpty());
        awaitSubscribed();
        bitcoind.tip(903413);
        // The safety poll is 60 s here; only the notification can bring the tip within the wait below.
        Await.until("tip via ZMQ", Duration.ofSeconds(10), () -> {
            bitcoind.publishHashblock();
            return heights().contains(903413L);
        }, () -> "heights " + heights() + ", getblockcount " + bitcoind.calls("getblockcount") + ", " + driver.health());
    }

    @Test
    void zmq_sequenceMessagesRecomputeTheFee_debounced() throws Exception {
        start("bitcoind-zmq", Map.of("BITCOIND_FEE_SECONDS", "2"));
        Await.until("first fee", Duration.ofSeconds(10), () -> fees().contains(3.5));
        awaitSubscribed();
        int before = bitcoind.calls("getrawmempool");
        bitcoind.mempool(FakeBitcoind.mempool(10, 20, 30, 40));
        long start = System.nanoTime();
        Await.until("fee via ZMQ", Duration.ofSeconds(10), () -> {
            bitcoind.publishSequence('A');
            return fees().contains(25.0);
        }, () -> "fees " + fees() + ", getmempoolinfo " + bitcoind.calls("getmempoolinfo") + ", getrawmempool "
                + bitcoind.calls("getrawmempool") + ", getblockcount " + bitcoind.calls("getblockcount") + ", " + driver.health());
        double seconds = (System.nanoTime() - start) / 1e9;
        int computations = bitcoind.calls("getrawmempool") - before;
        // Dozens of notifications, at most one computation per 2 s window.
        assertTrue(computations <= 1 + (int) (seconds / 2) + 1, computations + " computations in " + seconds + " s");
    }

    @Test
    void zmq_lostMessagesOrRestart_triggerAResync() throws Exception {
        start("bitcoind-zmq", Map.of());
        Await.until("first tip", Duration.ofSeconds(10), () -> heights().contains(903412L));
        awaitSubscribed();
        Await.until("subscribed", Duration.ofSeconds(10), () -> {
            bitcoind.publishSequence('A');
            return bitcoind.calls("getrawmempool") + bitcoind.calls("getmempoolinfo") > 2;
        });
        // A block whose hashblock is lost: the next message's counter jumps, and the resync finds the tip.
        bitcoind.tip(903414);
        bitcoind.loseMessages("sequence", 3);
        bitcoind.publishSequence('A');
        Await.until("resynced tip", Duration.ofSeconds(10), () -> heights().contains(903414L));
        // Malformed frames are skipped.
        bitcoind.publishRaw("hashblock".getBytes(), new byte[3]);
        bitcoind.publishRaw("sequence".getBytes(), new byte[5], new byte[] {1, 0, 0, 0, 0});
        bitcoind.tip(903415);
        bitcoind.restartCounters();
        Await.until("resync after restart", Duration.ofSeconds(10), () -> {
            bitcoind.publishHashblock();
            return heights().contains(903415L);
        });
    }
}
