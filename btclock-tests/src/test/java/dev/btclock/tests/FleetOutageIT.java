package dev.btclock.tests;

import dev.btclock.bus.valkey.RedisServerProcess;
import dev.btclock.core.Await;
import dev.btclock.server.ServerAssembly;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fleet as deployed: a real HAProxy with the shipped {@code deploy/haproxy.cfg} in front of two
 * nodes on a real {@code redis-server}, one upstream that keeps changing. The broker goes away for
 * a minute: no device is disconnected, a device that connects meanwhile gets current values, and
 * when the broker is back the fleet returns to one upstream connection without any device seeing
 * a value go backwards.
 */
class FleetOutageIT {

    private static final Pattern BITCOIN = Pattern.compile("\\{\"bitcoin\":(\\d+)}");
    private static final Pattern HEIGHT = Pattern.compile("\\{\"block\":\\{\"height\":(\\d+)}}");

    private RedisServerProcess redis;
    private FakeMempoolServer mempool;
    private Process haproxy;
    private final List<ServerAssembly> nodes = new ArrayList<>();
    private final List<Device> devices = new ArrayList<>();
    private volatile boolean pushing = true;

    @AfterEach
    void stop() throws Exception {
        pushing = false;
        for (Device d : devices) {
            d.client.close();
        }
        if (haproxy != null) {
            haproxy.destroyForcibly();
        }
        nodes.forEach(ServerAssembly::close);
        if (mempool != null) {
            mempool.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void aMinuteWithoutTheBroker_disconnectsNoDevice_andEndsWithOneUpstreamAndNoValueGoingBack() throws Exception {
        Assumptions.assumeTrue(haproxyBinary() != null, "no haproxy on PATH: skipping the fleet outage test (apt-get install haproxy)");
        RedisServerProcess.assumeAvailable();
        Assumptions.assumeTrue(RedisServerProcess.binary().isPresent(), "the outage test stops and restarts its own redis-server");
        redis = RedisServerProcess.start();
        mempool = FakeMempoolServer.start();
        String prefix = "fleet-" + UUID.randomUUID().toString().substring(0, 8) + ":";
        for (int i = 0; i < 2; i++) {
            Map<String, String> env = new HashMap<>();
            env.put("BROKER", "valkey");
            env.put("BROKER_URL", redis.url());
            env.put("BROKER_PREFIX", prefix);
            env.put("LEADER_LEASE_SECONDS", "6");
            env.put("BROKER_STALE_SECONDS", "10");
            nodes.add(TestServer.start(TestServer.config(mempool, env)));
        }
        Await.until("one leader, both healthy", Duration.ofSeconds(30),
                () -> nodes.stream().filter(ServerAssembly::isLeader).count() == 1 && nodes.stream().allMatch(n -> n.health().healthy()),
                this::states);
        int port = startHaproxy();

        AtomicLong price = new AtomicLong(70_000);
        AtomicLong height = new AtomicLong(870_123);
        Thread pusher = new Thread(() -> {
            for (int tick = 1; pushing; tick++) {
                mempool.pushConversions("{\"time\":" + tick + ",\"USD\":" + price.addAndGet(10) + "}");
                if (tick % 6 == 0) {
                    long h = height.incrementAndGet();
                    mempool.pushBlock(h, String.format("%064x", h), 12.5);
                }
                try {
                    Thread.sleep(500); // the upstream's own pace: a change every half second
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "upstream-changes");
        pusher.setDaemon(true);
        pusher.start();

        for (int i = 0; i < 8; i++) {
            devices.add(new Device(WsTestClient.connect(port, "/ws?assets=bitcoin")));
        }
        Await.until("devices on both nodes", Duration.ofSeconds(10),
                () -> nodes.stream().allMatch(n -> n.clientsConnected(dev.btclock.server.ws.Protocol.V1) > 0), this::states);
        Await.until("every device follows the changes", Duration.ofSeconds(10),
                () -> devices.stream().allMatch(d -> d.lastPrice() > 70_000), this::states);

        redis.kill();
        long outageStart = System.nanoTime();
        Await.until("both nodes on their own upstream", Duration.ofSeconds(40),
                () -> nodes.stream().allMatch(n -> n.healthDetail().contains("\"role\":\"standalone\"")), this::states);
        Await.until("each node runs its own upstream while the broker is away", Duration.ofSeconds(15),
                () -> mempool.clients() == 2, this::states);
        for (ServerAssembly n : nodes) {
            var h = n.health();
            assertTrue(h.healthy() && h.reason().startsWith("degraded: broker unreachable for "), h.reason());
            assertEquals(200, TestServer.get(n.metricsPort(), "/healthz").statusCode(), "what HAProxy checks");
        }
        long before = price.get();
        Device late = new Device(WsTestClient.connect(port, "/ws"));
        devices.add(late);
        Await.until("the device that came during the outage has a current price", Duration.ofSeconds(10),
                () -> late.lastPrice() >= before, () -> late.frames.toString());
        Await.until("a minute without the broker", Duration.ofSeconds(70), () -> System.nanoTime() - outageStart > 60_000_000_000L);
        long beforeReturn = price.get();
        Await.until("devices kept getting changes", Duration.ofSeconds(10),
                () -> devices.stream().allMatch(d -> d.lastPrice() >= beforeReturn), this::states);

        redis.restart();
        Await.until("one leader, one upstream connection", Duration.ofSeconds(40),
                () -> nodes.stream().filter(n -> n.healthDetail().contains("\"role\":\"leader\"")).count() == 1
                        && nodes.stream().filter(n -> n.healthDetail().contains("\"role\":\"follower\"")).count() == 1
                        && mempool.clients() == 1
                        && nodes.stream().allMatch(n -> n.health().reason().equals("ok")), this::states);
        long afterReturn = price.get();
        Await.until("devices follow the fleet again", Duration.ofSeconds(15),
                () -> devices.stream().allMatch(d -> d.lastPrice() >= afterReturn), this::states);
        pushing = false;
        pusher.join();

        String counts = devices.stream().map(d -> d.prices.size() + " of " + d.changesSeen()).toList().toString();
        for (Device d : devices) {
            assertFalse(d.ended(), "a device was disconnected");
            // Every change moves the price by 10: from its first price to its last, a device that
            // followed the fleet got most of them (a follower misses up to BROKER_STALE_SECONDS of
            // changes before it runs its own upstream, and takes the latest then).
            assertTrue(d.prices.size() > 50 && d.prices.size() >= d.changesSeen() * 0.7,
                    "a device missed the changes (prices received of changes between its first and last): " + counts);
            assertNonDecreasing("price", d.prices);
            assertNonDecreasing("height", d.heights);
        }
        for (ServerAssembly n : nodes) {
            String detail = n.healthDetail();
            assertTrue(detail.contains("\"brokerReachable\":true"), detail);
        }
    }

    private static void assertNonDecreasing(String what, List<Long> values) {
        for (int i = 1; i < values.size(); i++) {
            assertTrue(values.get(i) >= values.get(i - 1), what + " went back from " + values.get(i - 1) + " to " + values.get(i)
                    + " in " + values);
        }
    }

    private String states() {
        StringBuilder sb = new StringBuilder("upstream clients " + (mempool == null ? 0 : mempool.clients()));
        for (ServerAssembly n : nodes) {
            sb.append("\n  ").append(n.healthDetail());
        }
        for (Device d : devices) {
            sb.append("\n  device ").append(d.lastPrice()).append(d.ended() ? " ENDED" : "");
        }
        return sb.toString();
    }

    /** HAProxy with the shipped configuration, pointed at the two nodes on loopback; returns its port. */
    private int startHaproxy() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String shipped = Files.readString(Path.of("..", "deploy", "haproxy.cfg"));
        StringBuilder servers = new StringBuilder();
        for (int i = 0; i < nodes.size(); i++) {
            servers.append("    server node").append(i + 1).append(" 127.0.0.1:").append(nodes.get(i).port())
                    .append(" check port ").append(nodes.get(i).metricsPort()).append('\n');
        }
        String cfg = shipped.replace("bind :8080", "bind 127.0.0.1:" + port)
                .replaceAll("(?m)^    server node\\d .*\\n", "")
                .replace("maxconn 100000", "maxconn 1000")
                + servers;
        assertTrue(cfg.contains("option httpchk GET /healthz") && cfg.contains("on-marked-down shutdown-sessions"), cfg);
        Path file = Files.createTempDirectory("btclock-haproxy").resolve("haproxy.cfg");
        Files.writeString(file, cfg);
        haproxy = new ProcessBuilder(haproxyBinary(), "-db", "-f", file.toString()).redirectErrorStream(true).start();
        List<String> output = new CopyOnWriteArrayList<>();
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(haproxy.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    output.add(line);
                }
            } catch (IOException e) {
                // ended
            }
        }, "haproxy-output");
        pump.setDaemon(true);
        pump.start();
        Await.until("HAProxy routes to a healthy node", Duration.ofSeconds(20), () -> {
            try {
                return TestServer.get(port, "/healthz").statusCode() == 200;
            } catch (Exception e) {
                return false;
            }
        }, output::toString);
        return port;
    }

    private static String haproxyBinary() {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            for (String dir : List.of(d, "/usr/sbin")) {
                Path p = Path.of(dir, "haproxy");
                if (Files.isExecutable(p)) {
                    return p.toString();
                }
            }
        }
        return null;
    }

    /** A v1 device behind HAProxy, recording every price and height it is shown, in order. */
    private static final class Device {
        final WsTestClient client;
        final List<Long> prices = new CopyOnWriteArrayList<>();
        final List<Long> heights = new CopyOnWriteArrayList<>();
        final List<String> frames = new CopyOnWriteArrayList<>();

        /**
         * The upstream's changes between this device's first pushed price and its last (each change
         * adds 10 to 70,000; a price at or below it is the fake's boot value, from before the pushes).
         */
        long changesSeen() {
            long first = prices.stream().filter(p -> p > 70_000).findFirst().orElse(0L);
            return first == 0 ? 0 : (prices.get(prices.size() - 1) - first) / 10 + 1;
        }

        Device(WsTestClient client) {
            this.client = client;
            Thread t = new Thread(this::read, "device");
            t.setDaemon(true);
            t.start();
        }

        private void read() {
            while (!ended()) {
                try {
                    String text = client.next().text();
                    frames.add(text);
                    Matcher m = BITCOIN.matcher(text);
                    if (m.matches()) {
                        prices.add(Long.parseLong(m.group(1)));
                    }
                    Matcher h = HEIGHT.matcher(text);
                    if (h.matches()) {
                        heights.add(Long.parseLong(h.group(1)));
                    }
                } catch (AssertionError quiet) {
                    // no frame within the deadline: go on waiting
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        long lastPrice() {
            return prices.isEmpty() ? 0 : prices.get(prices.size() - 1);
        }

        boolean ended() {
            try {
                return client.awaitEnd(Duration.ZERO);
            } catch (InterruptedException e) {
                return true;
            }
        }
    }
}
