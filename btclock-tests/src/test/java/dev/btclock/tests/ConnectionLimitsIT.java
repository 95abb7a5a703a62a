package dev.btclock.tests;

import dev.btclock.core.Await;
import dev.btclock.core.GoldenVectors;
import dev.btclock.server.ServerAssembly;
import dev.btclock.server.ServerConfig;
import dev.btclock.server.ws.Protocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How the server treats connections that are not well-behaved devices: upgrades on unknown
 * paths, silent and Slowloris connections, oversized request heads, dead peers, and pings from a
 * client whose queue is full.
 */
@BothEngines
class ConnectionLimitsIT {

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

    private void start(Map<String, String> extra) throws IOException {
        mempool = FakeMempoolServer.start();
        server = TestServer.startHealthy(mempool, extra);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/foo", "/ws/", "/WS", "/api/v2/ws/", "/api/v3/ws?x=1"})
    void upgradeOnUnknownPath_isAcceptedWith101_andClosedWithoutStatus(String path) throws Exception {
        start(Map.of());
        try (WsTestClient c = WsTestClient.connect(server.port(), path, "Sec-WebSocket-Protocol: arduino")) {
            assertEquals(101, c.status());
            assertEquals("websocket", c.header("Upgrade"));
            assertEquals("Upgrade", c.header("Connection"));
            assertEquals("arduino", c.header("Sec-WebSocket-Protocol"));
            WsTestClient.Frame close = c.next();
            assertArrayEquals(new byte[] {(byte) 0x88, 0}, close.raw(), "a close frame without status code");
            assertTrue(c.awaitEnd(Duration.ofSeconds(5)), "the server closed the TCP connection");
        }
        assertEquals(0, server.clientsConnected(Protocol.V1) + server.clientsConnected(Protocol.V2));
    }

    @Test
    void upgradeOnUnknownPath_answersTheRfc6455AcceptForTheKey() throws Exception {
        start(Map.of());
        String key = "dGhlIHNhbXBsZSBub25jZQ==";
        try (Socket s = socket(server.port())) {
            send(s, "GET /nowhere HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n");
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            // RFC 6455 §1.3's worked example.
            assertEquals("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\u0088\u0000", all);
        }
        assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", accept(key));
    }

    @Test
    void plainGetOnWebSocketPath_is404WithEmptyBody() throws Exception {
        start(Map.of());
        var r = TestServer.get(server.port(), "/api/v2/ws");
        assertEquals(404, r.statusCode());
        assertEquals("", r.body());
    }

    @Test
    void silentAndSlowlorisConnections_areClosedAtTheHeaderTimeout_whileDevicesStay() throws Exception {
        start(Map.of("HTTP_HEADER_TIMEOUT_SECONDS", "1"));
        try (WsTestClient device = WsTestClient.connect(server.port(), "/api/v1/ws");
             Socket silent = socket(server.port());
             Socket slowloris = socket(server.port())) {
            device.next(3);
            long start = System.nanoTime();
            send(slowloris, "GET /api/lastblock HTTP/1.1\r\n");
            slowloris.setSoTimeout(200);
            boolean closed = false;
            for (int line = 0; line < 50 && !closed; line++) {
                // One header line every 200 ms: each byte would reset a plain idle timeout.
                closed = readsEnd(slowloris) || !trySend(slowloris, "X-Trickle-" + line + ": 1\r\n");
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            assertTrue(closed, "the Slowloris connection was never closed");
            assertTrue(seconds >= 0.9 && seconds < 5, "closed after " + seconds + " s with a 1 s header timeout");

            silent.setSoTimeout(5000);
            assertEquals(-1, silent.getInputStream().read(), "the silent connection was closed");
            Await.until("counted", Duration.ofSeconds(5), () -> metrics().contains("btclock_http_header_timeouts_total 2.0"));

            // The upgraded device outlived the header timeout and still receives.
            mempool.pushConversions("{\"time\":1,\"USD\":71000}");
            assertEquals("{\"bitcoin\":71000}", device.next().text());
        }
    }

    @Test
    void keepAliveRestClient_getsSeveralAnswers_onOneConnection_andIsClosedOnceQuiet() throws Exception {
        start(Map.of("HTTP_HEADER_TIMEOUT_SECONDS", "1"));
        try (Socket s = socket(server.port())) {
            s.setSoTimeout(5000);
            for (int i = 0; i < 3; i++) {
                send(s, "GET /api/lastblock HTTP/1.1\r\nHost: x\r\n\r\n");
                String head = readHead(s.getInputStream());
                assertTrue(head.startsWith("HTTP/1.1 200"), head);
                int length = Integer.parseInt(head.replaceAll("(?s).*[Cc]ontent-[Ll]ength: (\\d+).*", "$1"));
                assertEquals(length, s.getInputStream().readNBytes(length).length);
            }
            // No next request: the connection gets the header timeout like a new one.
            assertEquals(-1, s.getInputStream().read(), "the quiet keep-alive connection was closed");
            Await.until("counted", Duration.ofSeconds(5), () -> metrics().contains("btclock_http_header_timeouts_total 1.0"));
        }
    }

    @Test
    void requestHeadsOver16KiB_areRefused_andSmallerOnesServed() throws Exception {
        start(Map.of());
        try (Socket s = socket(server.port())) {
            s.setSoTimeout(5000);
            send(s, "GET /api/lastblock HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20 * 1024) + "\r\n\r\n");
            String head = readHead(s.getInputStream());
            assertTrue(head.startsWith("HTTP/1.1 4"), head);
        }
        try (Socket s = socket(server.port())) {
            s.setSoTimeout(5000);
            send(s, "GET /api/lastblock HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(12 * 1024) + "\r\n\r\n");
            assertTrue(readHead(s.getInputStream()).startsWith("HTTP/1.1 200"));
        }
    }

    @Test
    void deadClient_isReapedAtTheIdleTimeout_onTheServersClock_whileALiveOneStays() throws Exception {
        mempool = FakeMempoolServer.start();
        ServerConfig base = TestServer.config(mempool, Map.of());
        // The default 75 s idle timeout on a hand-driven clock; pings every (real) second show that
        // the reaper has looked at the clients since the clock moved.
        ServerConfig pingEverySecond = base.withWs(base.ws().withPing(Duration.ofSeconds(1), Duration.ofSeconds(75)));
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
        server = TestServer.awaitHealthy(TestServer.start(pingEverySecond, now::get));
        try (WsTestClient live = WsTestClient.connect(server.port(), "/api/v2/ws");
             WsTestClient dead = WsTestClient.connect(server.port(), "/api/v2/ws")) {
            dead.ignorePings();
            live.next();
            dead.next();
            now.addAndGet(Duration.ofSeconds(74).toNanos());
            int pinged = live.pingTimes().size();
            Await.until("two ping rounds after 74 s", Duration.ofSeconds(10), () -> live.pingTimes().size() >= pinged + 2);
            assertEquals(2, server.clientsConnected(Protocol.V2), "a client silent for 74 s is not reaped");
            now.addAndGet(Duration.ofSeconds(2).toNanos());
            assertTrue(dead.awaitEnd(Duration.ofSeconds(10)), "the client silent for 76 s was closed");
            Await.until("forgotten", Duration.ofSeconds(5), () -> server.clientsConnected(Protocol.V2) == 1);
            assertTrue(metrics().contains("btclock_ws_idle_closed_total 1.0"), metrics());

            // The live client answered the server's pings (at the moved clock) and is still served.
            live.sendBinary(GoldenVectors.bytes("11"));
            assertArrayEquals(GoldenVectors.bytes("12"), live.next().payload());
        }
    }

    @Test
    void pings_areSpreadOverTheInterval_andEveryClientGetsOnePerInterval() throws Exception {
        mempool = FakeMempoolServer.start();
        ServerConfig base = TestServer.config(mempool, Map.of());
        // 3 s pings are sent in three one-second slices; 9 clients connected one after another fill all three.
        ServerConfig quick = base.withWs(base.ws().withPing(Duration.ofSeconds(3), Duration.ofSeconds(60)));
        server = TestServer.awaitHealthy(TestServer.start(quick));
        List<WsTestClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 9; i++) {
                clients.add(WsTestClient.connect(server.port(), "/api/v2/ws"));
            }
            Await.until("two pings each", Duration.ofSeconds(20),
                    () -> clients.stream().allMatch(c -> c.pingTimes().size() >= 2));
            long first = Long.MAX_VALUE;
            long last = Long.MIN_VALUE;
            for (WsTestClient c : clients) {
                List<Long> t = c.pingTimes();
                first = Math.min(first, t.get(0));
                last = Math.max(last, t.get(0));
                double gap = (t.get(1) - t.get(0)) / 1e9;
                assertTrue(gap >= 2.5, "one client was pinged twice within " + gap + " s");
            }
            double spread = (last - first) / 1e9;
            assertTrue(spread >= 1.5, "the first pings of all clients came within " + spread + " s of each other");
        } finally {
            for (WsTestClient c : clients) {
                c.close();
            }
        }
    }

    @Test
    void pongs_overtakeQueuedData() throws Exception {
        // A client that does not read does not answer pings either: on a loaded machine reading the frames
        // back can outlast the default idle timeout (75 s), and the reaper would rightly close it.
        start(Map.of("WS_QUEUE_FRAMES", "60000", "WS_IDLE_TIMEOUT_SECONDS", "3600"));
        try (WsTestClient stalled = WsTestClient.connectNotReading(server.port(), "/ws")) {
            Await.until("connected", Duration.ofSeconds(5), () -> server.clientsConnected(Protocol.V1) == 1);
            // Straight into the fan-out, the path every change takes after the upstream and the bus:
            // 20,000 frames fill the kernel buffers and the client's queue behind them.
            int n = 20000;
            for (int i = 1; i <= n; i++) {
                server.fanout().sendV1Text(("{\"bitcoin\":" + (70000 + 10 * i) + "}").getBytes(StandardCharsets.US_ASCII));
            }
            stalled.sendPing(new byte[] {1, 2, 3});
            stalled.resumeReading();
            // Generous: reading 20,000 frames byte by byte on a busy machine takes a while, and a pong
            // queued behind them would still arrive; the count below tells the two cases apart.
            WsTestClient.Pong pong = stalled.nextPong(Duration.ofSeconds(60));
            assertArrayEquals(new byte[] {1, 2, 3}, pong.payload());
            // Read up to the last price: 3 initial frames and the n pushed ones.
            String last = "{\"bitcoin\":" + (70000 + 10L * n) + "}";
            int read = 0;
            String text = "";
            while (!text.equals(last)) {
                try {
                    text = stalled.next().text();
                } catch (AssertionError e) {
                    throw new AssertionError("the stream stopped after " + read + " frames (server sent "
                            + server.metrics().framesSent(Protocol.V1) + ", pong after " + pong.framesBefore()
                            + ", client holds " + stalled.pending() + " bytes)", e);
                }
                read++;
            }
            assertEquals(n + 3, read, "every frame reached the client");
            assertTrue(pong.framesBefore() < read / 2, "the pong came after " + pong.framesBefore() + " of " + read + " frames");
        }
    }

    /**
     * Devices that vanish (RST) while a change goes out: a write to a reset socket fails, and the
     * connection's end can be reported on a thread that is inside the fan-out. 3,000 clients put
     * the set above the two-thread threshold, so both the publishing thread and the helper meet
     * such closes. The fan-out must forget them all and keep serving.
     */
    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void clientsVanishingDuringBroadcasts_areForgotten_andTheFanoutKeepsServing() throws Exception {
        start(Map.of());
        int n = 3000;
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                Socket s = socket(server.port());
                send(s, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
                sockets.add(s);
            }
            for (Socket s : sockets) {
                assertTrue(readHead(s.getInputStream()).startsWith("HTTP/1.1 101"));
            }
            Await.until("all connected", Duration.ofSeconds(30), () -> server.clientsConnected(Protocol.V1) == n);
            int changes = 2000;
            Thread pusher = new Thread(() -> {
                for (int i = 1; i <= changes; i++) {
                    mempool.pushConversions("{\"time\":" + i + ",\"USD\":" + (80000 + 10 * i) + "}");
                }
            });
            pusher.start();
            Await.until("changes flowing", Duration.ofSeconds(10), () -> server.metrics().framesSent(Protocol.V1) > 3L * n);
            for (Socket s : sockets) {
                s.setSoLinger(true, 0);
                s.close();
            }
            pusher.join();
            Await.until("every change applied", Duration.ofSeconds(30),
                    () -> server.state().snapshot().prices().get("USD") == 80000 + 10L * changes);
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        Await.until("every vanished client forgotten", Duration.ofSeconds(30),
                () -> server.clientsConnected(Protocol.V1) == 0);
        try (WsTestClient device = WsTestClient.connect(server.port(), "/ws")) {
            device.next(3);
            mempool.pushConversions("{\"time\":100000,\"USD\":99990}");
            // The last changes of the run may still be on their way; the new one must follow them.
            String text;
            do {
                text = device.next().text();
            } while (!text.equals("{\"bitcoin\":99990}"));
        }
    }

    private String metrics() {
        try {
            return TestServer.get(server.metricsPort(), "/metrics").body();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Socket socket(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        return s;
    }

    private static void send(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static boolean trySend(Socket s, String text) {
        try {
            send(s, text);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Waits up to the socket timeout; true when the peer closed the connection. */
    private static boolean readsEnd(Socket s) {
        try {
            return s.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after: " + sb);
            }
            sb.append((char) b);
        }
        return sb.toString();
    }

    private static String accept(String key) throws Exception {
        byte[] d = MessageDigest.getInstance("SHA-1").digest(
                (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
        return Base64.getEncoder().encodeToString(d);
    }
}
