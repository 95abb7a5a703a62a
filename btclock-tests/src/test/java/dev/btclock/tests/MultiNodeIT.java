package dev.btclock.tests;

import dev.btclock.core.Await;
import dev.btclock.bus.valkey.RedisServerProcess;
import dev.btclock.server.ServerAssembly;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ClientKillParams;
import redis.clients.jedis.params.XAddParams;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.btclock.core.GoldenVectors.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several server nodes on one Valkey/Redis broker (a real {@code redis-server} process), one fake
 * mempool upstream: only the leader talks to the upstream, every node's devices get every change,
 * and leader loss, broker restarts and trims end with every client on the last published state.
 */
@BothEngines
class MultiNodeIT {

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

    private RedisServerProcess redis;
    private FakeMempoolServer mempool;
    private final String prefix = "mn-" + UUID.randomUUID().toString().substring(0, 8) + ":";
    private final List<ServerAssembly> nodes = new ArrayList<>();
    private final List<ServerProcess> processes = new ArrayList<>();
    private final List<WsTestClient> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        redis = RedisServerProcess.start();
        mempool = FakeMempoolServer.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (WsTestClient c : clients) {
            c.close();
        }
        nodes.forEach(ServerAssembly::close);
        processes.forEach(ServerProcess::close);
        mempool.close();
        redis.close();
    }

    private Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("BROKER", "valkey");
        env.put("BROKER_URL", redis.url());
        env.put("BROKER_PREFIX", prefix);
        env.put("LEADER_LEASE_SECONDS", "5");
        env.put("BROKER_STALE_SECONDS", "10");
        return env;
    }

    private ServerAssembly node() throws Exception {
        ServerAssembly n = TestServer.start(TestServer.config(mempool, env()));
        nodes.add(n);
        return n;
    }

    private WsTestClient v1(ServerAssembly n) throws Exception {
        WsTestClient c = WsTestClient.connect(n.port(), "/ws");
        clients.add(c);
        c.next(3);
        return c;
    }

    private WsTestClient v2Blocks(ServerAssembly n) throws Exception {
        WsTestClient c = WsTestClient.connect(n.port(), "/api/v2/ws");
        clients.add(c);
        c.next();
        c.sendBinary(bytes("11"));
        c.next();
        return c;
    }

    private String states() {
        return nodes.stream().map(n -> (n.isLeader() ? "leader " : "") + n.health().reason() + " " + n.state().snapshot())
                .toList().toString();
    }

    private long leaders() {
        return nodes.stream().filter(ServerAssembly::isLeader).count();
    }

    private String metrics(ServerAssembly n) {
        try {
            return TestServer.get(n.metricsPort(), "/metrics").body();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void threeNodes_oneLeader_eventsReachV1AndV2ClientsOfEveryNode_once() throws Exception {
        for (int i = 0; i < 3; i++) {
            node();
        }
        Await.until("one leader, all healthy", Duration.ofSeconds(20),
                () -> leaders() == 1 && nodes.stream().allMatch(n -> n.health().healthy()), this::states);
        assertEquals(1, mempool.clients(), "only the leader talks to the upstream");
        List<WsTestClient> v1s = new ArrayList<>();
        List<WsTestClient> v2s = new ArrayList<>();
        for (ServerAssembly n : nodes) {
            v1s.add(v1(n));
            v2s.add(v2Blocks(n));
        }
        mempool.pushBlock(870124, "00000000000000000000bbb", 12.5);
        mempool.pushConversions("{\"time\":2,\"USD\":70000}");
        for (WsTestClient c : v1s) {
            assertEquals("{\"block\":{\"height\":870124}}", c.next().text());
            assertEquals("{\"bitcoin\":70000}", c.next().text(), "the next frame, not a duplicate block");
        }
        for (WsTestClient c : v2s) {
            assertArrayEquals(bytes("12-next"), c.next().payload(), "blockheight 870124");
        }
        for (ServerAssembly n : nodes) {
            assertTrue(metrics(n).contains("btclock_leader " + (n.isLeader() ? "1.0" : "0.0")));
        }
    }

    @Test
    void leaderKilled_aFollowerTakesOverWithinTheLease_andClientsKeepReceiving() throws Exception {
        Map<String, String> env = env();
        env.put("LISTEN_ADDR", "127.0.0.1:0");
        env.put("METRICS_ADDR", "127.0.0.1:0");
        env.put("MEMPOOL_INSTANCE", mempool.baseUrl());
        ServerProcess first = ServerProcess.launch(env);
        processes.add(first);
        first.awaitPort();
        int firstMetrics = first.awaitMetricsPort();
        Await.until("the process leads", Duration.ofSeconds(20), () -> metricsOf(firstMetrics).contains("btclock_leader 1.0"));
        ServerAssembly follower = node();
        Await.until("follower healthy", Duration.ofSeconds(20), () -> follower.health().healthy());
        WsTestClient c = v1(follower);
        mempool.pushBlock(870124, "00000000000000000000bbb", 12.5);
        assertEquals("{\"block\":{\"height\":870124}}", c.next().text());

        long start = System.nanoTime();
        first.process.destroyForcibly(); // kill -9: no lease hand-back
        Await.until("follower leads", Duration.ofSeconds(15), follower::isLeader);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds < 5 + 1.5, "took over after " + seconds + " s with a 5 s lease");
        Await.until("new leader on the upstream", Duration.ofSeconds(10), () -> follower.health().healthy());
        mempool.pushBlock(870125, "00000000000000000000ccc", 12.5);
        WsTestClient.Frame f = c.next();
        while (!f.text().contains("block")) {
            f = c.next();
        }
        assertEquals("{\"block\":{\"height\":870125}}", f.text(), "no repeated or backwards height");
    }

    private static String metricsOf(int port) {
        try {
            return TestServer.get(port, "/metrics").body();
        } catch (Exception e) {
            return "";
        }
    }

    @Test
    void brokerRestart_nodesReconnect_andEveryClientEndsOnTheLastPublishedState() throws Exception {
        node();
        node();
        Await.until("one leader, all healthy", Duration.ofSeconds(20),
                () -> leaders() == 1 && nodes.stream().allMatch(n -> n.health().healthy()), this::states);
        List<WsTestClient> v1s = new ArrayList<>();
        for (ServerAssembly n : nodes) {
            v1s.add(v1(n));
        }
        redis.kill();
        // Nodes with values keep serving their devices: the load balancer must not drop them.
        Await.until("broker unreachable everywhere, nodes still serving", Duration.ofSeconds(20),
                () -> nodes.stream().allMatch(n -> n.health().healthy() && n.health().reason().startsWith("degraded: broker unreachable")),
                this::states);
        mempool.tip(870130, "00000000000000000000ddd");
        redis.restart();
        Await.until("one leader again, all well", Duration.ofSeconds(40),
                () -> nodes.stream().filter(n -> n.healthDetail().contains("\"role\":\"leader\"")).count() == 1
                        && nodes.stream().allMatch(n -> n.health().reason().equals("ok")), this::states);
        mempool.pushBlock(870131, "00000000000000000000eee", 12.5);
        for (WsTestClient c : v1s) {
            // Whatever came before (snapshots, the reconnecting leader's bootstrap), each client ends on 870131.
            while (!c.next().text().equals("{\"block\":{\"height\":870131}}")) {
                // earlier frames
            }
        }
        for (ServerAssembly n : nodes) {
            assertEquals(870131, n.state().snapshot().height());
        }
    }

    @Test
    void trimPastASlowNode_isReSnapshotted_andCounted() throws Exception {
        ServerAssembly a = node();
        Await.until("a leads", Duration.ofSeconds(20), a::isLeader);
        ServerAssembly b = node();
        Await.until("b healthy", Duration.ofSeconds(20), () -> b.health().healthy());
        WsTestClient c = v1(b);
        try (Jedis j = redis.client()) {
            j.xadd(prefix + "events", XAddParams.xAddParams().maxLen(10_000).approximateTrimming(),
                    RedisServerProcess.feeEntry("producer-x", 0, 3.0));
        }
        assertEquals("{\"mempool-blocks\":[{\"medianFee\":3}]}", c.next().text());
        try (Jedis j = redis.client()) {
            j.set(prefix + "fee", "42.0");
            // As every producer records it: the value and when it was received (a node catching up
            // applies a recorded value only if it is newer than its own).
            j.set(prefix + "at:fee", Long.toString(System.currentTimeMillis()));
            j.clientKill(ClientKillParams.clientKillParams().id(redis.clientId("btclock-reader-" + b.busNode())));
            // Pipelined: the burst lands well within the reader's reconnect backoff.
            redis.clients.jedis.Pipeline burst = j.pipelined();
            for (int i = 1; i <= 2_000; i++) {
                burst.xadd(prefix + "events", XAddParams.xAddParams().maxLen(100).approximateTrimming(),
                        RedisServerProcess.feeEntry("producer-x", i, i == 2_000 ? 42 : 100 + i));
            }
            burst.sync();
        }
        Await.until("gap counted", Duration.ofSeconds(20), () -> metrics(b).contains("btclock_broker_seq_gaps_total 1.0"));
        // The node may read part of the burst before the trim overtakes it; it never goes back, and ends on 42.
        long previous = 3;
        while (true) {
            String t = c.next().text();
            long fee = Long.parseLong(t.replaceAll("\\D", ""));
            if (fee == 42) {
                break;
            }
            assertTrue(fee > previous, "replayed or reordered: " + fee + " after " + previous);
            previous = fee;
        }
    }
}
