package dev.btclock.tests;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.btclock.core.Await;
import dev.btclock.server.ServerAssembly;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import dev.btclock.core.codec.ServerFrame;
import dev.btclock.core.codec.V2Codec;
import dev.btclock.core.codec.V2Request;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static dev.btclock.tests.RawWebSocket.concat;
import static dev.btclock.tests.RawWebSocket.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Crafted input from the internet against one running server: hostile handshakes and header
 * values, smuggling attempts, and clients that hold memory. Each answer is checked byte for byte
 * where it matters (nothing of the input reflected), and after each test a device that has been
 * connected since the start must still get the next price.
 */
@BothEngines
class HostileInputIT {

    @Parameter
    String engine;

    private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
    private static FakeMempoolServer mempool;
    private static ServerAssembly server;
    private static WsTestClient control;
    private static long price = 71_000;

    @BeforeParameterizedClassInvocation(injectArguments = true)
    static void start(String engine) throws Exception {
        TestServer.useEngine(engine);
        mempool = FakeMempoolServer.start();
        server = TestServer.startHealthy(mempool, Map.of("WS_MESSAGE_TIMEOUT_SECONDS", "2"));
        control = WsTestClient.connect(server.port(), "/ws");
        control.next(3);
    }

    @AfterParameterizedClassInvocation
    static void stop() throws IOException {
        TestServer.useEngine(null);
        control.close();
        server.close();
        mempool.close();
    }

    /** The device connected since the start is still served. */
    @AfterEach
    void controlClientStillServed() throws InterruptedException {
        price += 10;
        mempool.pushConversions("{\"time\":" + price + ",\"USD\":" + price + "}");
        assertEquals("{\"bitcoin\":" + price + "}", control.next().text(), "the control device after this test");
    }

    // ------------------------------------------------------------------ v2 requests

    /** Crafted v2 requests that docs/protocol.md §2.3 says to ignore: each would be a reply if it were read as a request. */
    static Stream<Arguments> craftedV2Requests() {
        byte[] subscribeChf = V2Codec.request(V2Request.Action.SUBSCRIBE, "price", "CHF");
        byte[] head = HexFormat.of().parseHex("83a474797065a9737562736372696265a96576656e7454797065a57072696365aa63757272656e63696573");
        byte[] deep = new byte[300];
        java.util.Arrays.fill(deep, (byte) 0x91); // 300 nested one-element arrays around "CHF"
        byte[] many = new byte[3 + 65 * 4];
        many[0] = (byte) 0xdc;
        many[2] = 65;
        for (int i = 0; i < 65; i++) {
            System.arraycopy(new byte[] {(byte) 0xa3, 'C', 'H', 'F'}, 0, many, 3 + i * 4, 4);
        }
        return Stream.of(
                Arguments.of("a map declaring 2^32-1 entries", HexFormat.of().parseHex("dfffffffff")),
                Arguments.of("a string declaring 4 GB", HexFormat.of().parseHex("dbffffffff61")),
                Arguments.of("a binary declaring 4 GB", HexFormat.of().parseHex("c6ffffffff")),
                Arguments.of("the never-used type byte", HexFormat.of().parseHex("c100")),
                Arguments.of("a truncated subscribe", java.util.Arrays.copyOf(subscribeChf, subscribeChf.length - 2)),
                Arguments.of("a subscribe with trailing bytes", concat(subscribeChf, new byte[] {0})),
                Arguments.of("currencies nested 300 deep", concat(head, deep, new byte[] {(byte) 0xa3, 'C', 'H', 'F'})),
                Arguments.of("65 currencies", concat(head, many)),
                Arguments.of("an eventType that is not a string", HexFormat.of().parseHex(
                        "82a474797065a9737562736372696265a96576656e7454797065c0")));
    }

    @ParameterizedTest(name = "a v2 request with {0} is ignored, and the client is still served")
    @MethodSource("craftedV2Requests")
    void craftedV2Requests_areIgnored_andTheSameClientIsStillServed(String what, byte[] request) throws Exception {
        try (WsTestClient c = WsTestClient.connect(server.port(), "/api/v2/ws")) {
            assertEquals(Optional.of(new ServerFrame.Message("Welcome")), V2Codec.decodeFrame(c.next().payload()));
            c.sendBinary(request);
            c.sendBinary(V2Codec.request(new V2Request(V2Request.Action.SUBSCRIBE, "blockheight", null)));
            // No reply, no close for the crafted one: the next frame answers the real request.
            Optional<ServerFrame> next = V2Codec.decodeFrame(c.next().payload());
            assertTrue(next.isPresent() && next.get() instanceof ServerFrame.BlockHeight, what + ": " + next);
        }
    }

    @Test
    void aCurrencyWithInvalidUtf8OrMarkup_comesBackAsValidUtf8_inTheDocumentedError() throws Exception {
        try (WsTestClient c = WsTestClient.connect(server.port(), "/api/v2/ws")) {
            c.next();
            byte[] request = V2Codec.request(V2Request.Action.SUBSCRIBE, "price", "X<>");
            request[request.length - 1] = (byte) 0xff; // "X<" and a byte that is no UTF-8
            c.sendBinary(request);
            byte[] reply = c.next().payload();
            assertEquals(Optional.of(new ServerFrame.ErrorMessage("X<\uFFFD does not exist.")), V2Codec.decodeFrame(reply));
            assertTrue(StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(reply, 8, reply.length - 8)) != null,
                    "the reply is well-formed UTF-8");
        }
    }

    // ------------------------------------------------------------------ handshakes

    @ParameterizedTest(name = "400 for a handshake with {0}")
    @ValueSource(strings = {
            "a short key|GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: c2hvcnQ=\r\nSec-WebSocket-Version: 13\r\n\r\n",
            "a key of 17 bytes|GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZSE=\r\nSec-WebSocket-Version: 13\r\n\r\n",
            "a key that is not base64|GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: !!!!!!!!!!!!!!!!!!!!!!==\r\nSec-WebSocket-Version: 13\r\n\r\n",
            "no key|GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n",
            "no Connection: Upgrade|GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nSec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 13\r\n\r\n",
            "Connection: keep-alive only|GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: keep-alive\r\nSec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 13\r\n\r\n",
            "HTTP/1.0|GET /ws HTTP/1.0\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 13\r\n\r\n",
            "Upgrade: notwebsocketatall|GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: notwebsocketatall\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 13\r\n\r\n",
            "no Host|GET /api/v2/ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 13\r\n\r\n",
            "POST|POST /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n",
            "a bad key on an unknown path|GET /nowhere HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: x\r\nSec-WebSocket-Version: 13\r\n\r\n"})
    void malformedHandshakes_get400_andAClose(String nameAndRequest) throws Exception {
        String request = nameAndRequest.substring(nameAndRequest.indexOf('|') + 1);
        String answer = exchange(request);
        assertTrue(answer.startsWith("HTTP/1.1 400 Bad Request\r\n") && answer.endsWith("Content-Length: 0\r\n\r\n"), answer);
        assertFalse(answer.contains("101"), answer);
    }

    @ParameterizedTest(name = "a subprotocol offer of {0} is refused with 400 and never echoed")
    @ValueSource(strings = {"a\rSet-Cookie: x=1", "a\"b", "a b", "arduino,,chat", "caf\u00e9", "a;b=c", "<script>"})
    void hostileSubprotocols_areRefused_andNeverEchoed(String offer) throws Exception {
        String answer = exchange("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
                + KEY + "\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: " + offer + "\r\n\r\n");
        assertTrue(answer.isEmpty() || answer.equals("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"),
                "answer: " + answer);
        assertFalse(answer.contains("Set-Cookie") || answer.contains("script") || answer.contains("Sec-WebSocket-Protocol"), answer);
    }

    @Test
    void theArduinoSubprotocol_isStillEchoed_andAnUpgradeToSomethingElseIsServedAsHttp() throws Exception {
        try (WsTestClient device = WsTestClient.connect(server.port(), "/ws?assets=bitcoin", "Sec-WebSocket-Protocol: arduino")) {
            assertEquals(101, device.status());
            assertEquals("arduino", device.header("Sec-WebSocket-Protocol"));
            device.next(3);
        }
        String h2c = exchange("GET /api/lastblock HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n");
        assertTrue(h2c.startsWith("HTTP/1.1 200 "), h2c);
        assertTrue(h2c.endsWith("\r\n\r\n870123"), h2c);
    }

    @ParameterizedTest(name = "the 404 body for path {0} is one valid JSON object")
    @ValueSource(strings = {"/api/x\"y", "/api/%22,%22statusCode%22:200", "/api/\\u0000", "/api/a\\\"b", "/api/caf%C3%A9",
            "/api/\u00e9\u00ff"})
    void the404Body_escapesThePath(String path) throws Exception {
        String answer = exchange("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 404 "), answer);
        JsonObject body = JsonParser.parseString(answer.substring(answer.indexOf("\r\n\r\n") + 4)).getAsJsonObject();
        assertEquals(404, body.get("statusCode").getAsInt());
        assertEquals(3, body.size(), body.toString());
        assertTrue(body.get("message").getAsString().startsWith("Route GET:/api/"), body.toString());
    }

    @ParameterizedTest(name = "a method {0} is refused before any route sees it")
    @ValueSource(strings = {"X\",\"statusCode\":200,\"y\":\"z", "G{ET", "GE\u00e9T"})
    void methodsThatAreNotTokens_get400(String method) throws Exception {
        String answer = exchange(method + " /api/x HTTP/1.1\r\nHost: x\r\n\r\n");
        assertFalse(answer.contains("statusCode\":200"), answer);
        assertTrue(answer.isEmpty() || answer.startsWith("HTTP/1.1 400 "), answer);
    }

    @Test
    void aRequestWithALeadingCrlf_neverGetsABodyThatIsNotJson() throws Exception {
        String answer = exchange("\r\nFOO /api/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
        if (answer.startsWith("HTTP/1.1 404 ")) {
            assertEquals("Route FOO:/api/x not found", JsonParser.parseString(body).getAsJsonObject().get("message").getAsString());
        } else {
            assertEquals("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", answer);
        }
    }

    // ------------------------------------------------------------------ request smuggling

    @ParameterizedTest(name = "{0}: refused, closed, and the request behind it never served")
    @ValueSource(strings = {
            "Transfer-Encoding with Content-Length|400|POST /api/lastblock HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n",
            "chunked, identity|400|POST /api/lastblock HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
            "an unknown coding|400|POST /api/lastblock HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: foo\r\n\r\n0\r\n\r\n",
            "a coding before chunked|501|POST /api/lastblock HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
            "two Transfer-Encoding headers|400|POST /api/lastblock HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n",
            "Transfer-Encoding in HTTP/1.0|400|POST /api/lastblock HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "two different Content-Lengths|400|POST /api/lastblock HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\nhello"})
    void ambiguousFraming_isRefused_andNothingBehindItIsServed(String spec) throws Exception {
        String[] parts = spec.split("\\|", 3);
        String smuggled = "GET /api/lastfee HTTP/1.1\r\nHost: x\r\n\r\n";
        String answer = exchange(parts[2] + smuggled);
        assertTrue(answer.startsWith("HTTP/1.1 " + parts[1] + " "), parts[0] + ": " + answer);
        assertFalse(answer.contains("HTTP/1.1 200"), "a request was served behind the refused one: " + answer);
        assertEquals(1, answer.split("HTTP/1.1 ", -1).length - 1, "exactly one response: " + answer);
    }

    @Test
    void contentLengthThenTransferEncoding_isAnsweredByItsChunkedBody_andTheConnectionClosed() throws Exception {
        // The codec keeps no trace of a Content-Length that came first: the request is read as chunked
        // (RFC 9112 §6.1), answered, and the connection closed, so the request behind it is never served.
        String answer = exchange("POST /api/lastblock HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /api/lastfee HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(1, answer.split("HTTP/1.1 ", -1).length - 1, "exactly one response: " + answer);
        assertTrue(answer.startsWith("HTTP/1.1 4"), answer);
        assertTrue(answer.toLowerCase(java.util.Locale.ROOT).contains("connection: close\r\n"), answer);
        String chunked = exchange("POST /api/lastblock HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3\r\nabc\r\n0\r\n\r\nGET /api/lastfee HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(1, chunked.split("HTTP/1.1 ", -1).length - 1, "exactly one response: " + chunked);
        assertTrue(chunked.startsWith("HTTP/1.1 404 "), chunked);
        assertTrue(chunked.toLowerCase(java.util.Locale.ROOT).contains("connection: close\r\n"), chunked);
    }

    @Test
    void aBadChunkSize_gets400_isCounted_andThePipelinedRequestIsNotServed() throws Exception {
        long before = refused("malformed-request");
        String answer = exchange("POST /api/lastblock HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n"
                + "GET /api/lastfee HTTP/1.1\r\nHost: x\r\n\r\n");
        assertFalse(answer.contains("200"), answer);
        Await.until("counted", Duration.ofSeconds(5), () -> refused("malformed-request") == before + 1);
    }

    // ------------------------------------------------------------------ memory held by clients

    /**
     * A server of its own whose WebSocket layer runs on {@code now}, pinging every (real) second:
     * a control device's pings show that the server has looked at its clients since the clock moved.
     */
    private static ServerAssembly onClock(FakeMempoolServer fake, java.util.concurrent.atomic.AtomicLong now)
            throws IOException {
        dev.btclock.server.ServerConfig base = TestServer.config(fake, Map.of());
        return TestServer.awaitHealthy(TestServer.start(
                base.withWs(base.ws().withPing(Duration.ofSeconds(1), Duration.ofSeconds(3600))), now::get));
    }

    /** Waits for two more pings of {@code control}: the server's periodic checks have run since. */
    private static void twoRounds(WsTestClient control) {
        int seen = control.pingTimes().size();
        Await.until("two ping rounds", Duration.ofSeconds(10), () -> control.pingTimes().size() >= seen + 2);
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aFragmentedMessageNeverFinished_isClosedWith1008AtTheMessageTimeout() throws Exception {
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
        try (FakeMempoolServer fake = FakeMempoolServer.start();
             ServerAssembly own = onClock(fake, now);
             WsTestClient control = WsTestClient.connect(own.port(), "/ws");
             RawWebSocket never = RawWebSocket.open(own.port(), "/api/v2/ws");
             RawWebSocket trickle = RawWebSocket.open(own.port(), "/api/v2/ws")) {
            control.next(3);
            never.next(); // the welcomes
            trickle.next();
            never.send(frame(0x02, new byte[900])); // FIN=0, never continued
            trickle.send(frame(0x01, "a"));
            trickle.send(frame(0x00, "b")); // continuations keep coming, the message never ends
            never.expectAlive(); // a pong: the server has read what came before, with the clock at 0
            trickle.expectAlive();
            // WS_MESSAGE_TIMEOUT_SECONDS is 10 (the default): at 9 s both are still served...
            now.addAndGet(Duration.ofSeconds(9).toNanos());
            trickle.send(frame(0x00, "b"));
            twoRounds(control);
            never.expectAlive();
            trickle.expectAlive();
            // ...past 10 s both are closed with 1008, however much the trickle sends.
            now.addAndGet(Duration.ofSeconds(2).toNanos());
            trickle.send(frame(0x00, "b"));
            assertEquals(1008, never.expectClose().closeCode());
            assertEquals(1008, trickle.expectClose().closeCode());
            assertEquals(2.0, metricValue(own, "btclock_ws_message_timeouts_total"), () -> metrics(own));
            // The control device that sent nothing unfinished is still served.
            fake.pushConversions("{\"time\":1,\"USD\":70123}");
            assertEquals("{\"bitcoin\":70123}", control.next().text());
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aClientThatNeverClosesAfterTheServersCloseFrame_isResetSoonAfter_howeverMuchItPings() throws Exception {
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
        try (FakeMempoolServer fake = FakeMempoolServer.start();
             ServerAssembly own = onClock(fake, now);
             WsTestClient control = WsTestClient.connect(own.port(), "/ws");
             RawWebSocket ws = RawWebSocket.open(own.port(), "/api/v2/ws")) {
            control.next(3);
            ws.next(); // the welcome
            ws.send(frame(0x02, new byte[100])); // unfinished: closed with 1008 after the message timeout
            ws.expectAlive(); // a pong: the server has read it, with the clock at 0
            now.addAndGet(Duration.ofSeconds(11).toNanos());
            assertEquals(1008, ws.expectClose().closeCode());
            // The client neither answers nor closes, and keeps pinging at its own pace: 1 s after the
            // close frame it is still connected, 3 s after it is reset.
            now.addAndGet(Duration.ofSeconds(1).toNanos());
            ws.send(frame(0x89, "still here"));
            twoRounds(control);
            ws.send(frame(0x89, "still here"));
            now.addAndGet(Duration.ofSeconds(2).toNanos());
            // It keeps pinging until a write meets the reset.
            Await.until("the connection reset after its closing handshake", Duration.ofSeconds(10), () -> {
                try {
                    ws.send(frame(0x89, "still here"));
                    return false;
                } catch (IOException e) {
                    return true;
                }
            });
        }
    }

    @Test
    void unfinishedMessagesOverTheBudget_closeTheLargestHolders() throws Exception {
        try (FakeMempoolServer fake = FakeMempoolServer.start();
             ServerAssembly small = TestServer.startHealthy(fake, Map.of("INBOUND_BUDGET_BYTES", "65536",
                     "WS_MAX_MESSAGE_BYTES", "8192", "WS_MESSAGE_TIMEOUT_SECONDS", "300"))) {
            List<RawWebSocket> holders = new ArrayList<>();
            try (WsTestClient device = WsTestClient.connect(small.port(), "/api/v2/ws")) {
                device.next(); // welcome
                for (int i = 0; i < 12; i++) {
                    RawWebSocket ws = RawWebSocket.open(small.port(), "/api/v2/ws");
                    holders.add(ws);
                    ws.send(frame(0x02, new byte[i < 4 ? 8000 : 2000])); // 4 × 8000 + 8 × 2000 = 48,000 bytes
                }
                if (engine.equals("jsr356")) {
                    // Tyrus keeps unfinished messages in buffers of its own, each bounded by
                    // WS_MAX_MESSAGE_BYTES plus one read, not drawn from the budget: nothing is counted or
                    // evicted, and the holders end at WS_MESSAGE_TIMEOUT_SECONDS (README, WebSocket engines).
                    for (RawWebSocket ws : holders) {
                        ws.expectAlive();
                    }
                    assertEquals(0, metricValue(small, "btclock_inbound_buffered_bytes"));
                    device.sendBinary(dev.btclock.core.GoldenVectors.bytes("11"));
                    assertEquals(dev.btclock.core.GoldenVectors.hex(dev.btclock.core.GoldenVectors.bytes("12")),
                            dev.btclock.core.GoldenVectors.hex(device.next().payload()));
                    return;
                }
                Await.until("all buffered", Duration.ofSeconds(5), () -> metricValue(small, "btclock_inbound_buffered_bytes") == 48000,
                        () -> metrics(small));
                // Four more large ones: the third brings the total to 72,000, over 65,536, and the largest
                // holders are closed until it is a tenth under the budget (two of 8,000: 56,000); the fourth fits.
                // One at a time: the server reads its connections on two threads, and two messages read at
                // once would be weighed against the budget together.
                for (int i = 0; i < 4; i++) {
                    RawWebSocket ws = RawWebSocket.open(small.port(), "/api/v2/ws");
                    holders.add(ws);
                    ws.send(frame(0x02, new byte[8000]));
                    double buffered = i < 2 ? 48000 + 8000 * (i + 1) : i == 2 ? 56000 : 64000;
                    Await.until("holder " + (12 + i) + " counted", Duration.ofSeconds(5),
                            () -> metricValue(small, "btclock_inbound_buffered_bytes") == buffered, () -> metrics(small));
                }
                Await.until("evicted", Duration.ofSeconds(5), () -> metricValue(small, "btclock_inbound_buffered_bytes") == 64000
                        && metricValue(small, "btclock_inbound_evictions_total{kind=\"websocket\"}") == 2, () -> metrics(small));
                int ended = 0;
                for (int i = 0; i < holders.size(); i++) {
                    RawWebSocket ws = holders.get(i);
                    if (endsSoon(ws)) {
                        ended++;
                        assertTrue(i < 4 || i >= 12, "a small holder (#" + i + ") was closed while larger ones held on");
                    }
                }
                assertEquals(2, ended, "the two connections evicted");
                // The device that held nothing is still served.
                device.sendBinary(dev.btclock.core.GoldenVectors.bytes("11"));
                assertEquals(dev.btclock.core.GoldenVectors.hex(dev.btclock.core.GoldenVectors.bytes("12")),
                        dev.btclock.core.GoldenVectors.hex(device.next().payload()));
            } finally {
                for (RawWebSocket ws : holders) {
                    ws.close();
                }
            }
        }
    }

    @Test
    void unfinishedRequestHeadsOverTheBudget_closeTheLargestHolders() throws Exception {
        try (FakeMempoolServer fake = FakeMempoolServer.start();
             ServerAssembly small = TestServer.startHealthy(fake, Map.of("INBOUND_BUDGET_BYTES", "65536",
                     "HTTP_HEADER_TIMEOUT_SECONDS", "300"))) {
            List<Socket> slow = new ArrayList<>();
            try {
                for (int i = 0; i < 10; i++) {
                    Socket s = socket(small.port());
                    slow.add(s);
                    // 10 KB of a request head, never finished.
                    s.getOutputStream().write(("GET /api/lastblock HTTP/1.1\r\nHost: x\r\nX-Pad: " + "p".repeat(10_000))
                            .getBytes(StandardCharsets.US_ASCII));
                }
                Await.until("evicted", Duration.ofSeconds(5),
                        () -> metricValue(small, "btclock_inbound_evictions_total{kind=\"http\"}") >= 1);
                assertTrue(metricValue(small, "btclock_inbound_buffered_bytes") <= 65536);
                assertEquals(200, TestServer.get(small.port(), "/api/lastblock").statusCode(), "REST still answers");
            } finally {
                for (Socket s : slow) {
                    s.close();
                }
            }
        }
    }

    // ------------------------------------------------------------------ firmware that reads the handshake once

    /**
     * ESP-IDF 4.4's WebSocket client (v3 firmware 3.0.11–3.1.14) writes its request, then reads
     * into a 1 KB buffer until the header block is complete, and drops whatever came with it.
     */
    @Test
    void anEspIdf44Device_getsAllThreeConnectFrames_inReadsAfterThe101() throws Exception {
        try (Socket s = socket(server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET /ws?assets=bitcoin HTTP/1.1\r\nConnection: Upgrade\r\nHost: ws.btclock.dev:443\r\n"
                    + "User-Agent: BTClock/3.0\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + KEY
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            byte[] buffer = new byte[1024];
            int length = 0;
            while (!new String(buffer, 0, length, StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
                int n = in.read(buffer, length, buffer.length - length);
                assertTrue(n > 0, "the response ended");
                length += n;
            }
            String read = new String(buffer, 0, length, StandardCharsets.ISO_8859_1);
            assertTrue(read.startsWith("HTTP/1.1 101 "), read);
            // What IDF 4.4 drops: anything after the header block in these reads.
            assertTrue(read.endsWith("\r\n\r\n"), "frames arrived in the handshake's read and would be lost: " + read);
            WsFrameStream frames = new WsFrameStream(in);
            assertEquals("{\"bitcoin\":" + server.state().snapshot().prices().get("USD") + "}", frames.nextText());
            assertEquals("{\"block\":{\"height\":870123}}", frames.nextText());
            assertEquals("{\"mempool-blocks\":[{\"medianFee\":13}]}", frames.nextText());
        }
    }

    @Test
    void otherClients_getTheirConnectFramesWithThe101_noLater() throws Exception {
        for (String[] c : new String[][] {{"/api/v2/ws", "ESP32 Websocket Client"}, {"/ws", "Mozilla/5.0"}, {"/ws", null}}) {
            try (Socket s = socket(server.port())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(("GET " + c[0] + " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + (c[1] == null ? "" : "User-Agent: " + c[1] + "\r\n") + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
                        + KEY + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                // One write: a single read of a loopback socket returns all of it.
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                byte[] buffer = new byte[4096];
                while (!got.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
                    got.write(buffer, 0, s.getInputStream().read(buffer));
                }
                String all = got.toString(StandardCharsets.ISO_8859_1);
                assertFalse(all.endsWith("\r\n\r\n"), c[0] + " " + c[1] + ": the connect frames did not leave with the 101");
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Sends {@code request} raw and returns everything the server answers until it closes or goes quiet for a second. */
    private static String exchange(String request) throws IOException {
        try (Socket s = socket(server.port())) {
            s.setSoTimeout(1000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[4096];
            try {
                for (int n; (n = s.getInputStream().read(buffer)) > 0; ) {
                    out.write(buffer, 0, n);
                }
            } catch (SocketTimeoutException | SocketException e) {
                // quiet, or reset after the answer
            }
            return out.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static boolean endsSoon(RawWebSocket ws) {
        try {
            ws.timeout(300);
            RawWebSocket.Frame f = ws.next();
            while (f != null && f.opcode() != 0x8) {
                f = ws.next();
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static Socket socket(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        return s;
    }

    private static String metrics() {
        return metrics(server);
    }

    private static String metrics(ServerAssembly s) {
        try {
            return TestServer.get(s.metricsPort(), "/metrics").body();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static double metricValue(ServerAssembly s, String series) {
        for (String line : metrics(s).split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1));
            }
        }
        return 0;
    }

    private static long refused(String reason) {
        return (long) metricValue(server, "btclock_requests_refused_total{reason=\"" + reason + "\"}");
    }

    /** Server frames read straight from a socket, as a device after its handshake. */
    private static final class WsFrameStream {
        private final java.io.DataInputStream in;

        WsFrameStream(InputStream in) {
            this.in = new java.io.DataInputStream(in);
        }

        String nextText() throws IOException {
            int b0 = in.readUnsignedByte();
            int len = in.readUnsignedByte();
            byte[] payload = in.readNBytes(len);
            assertEquals(0x81, b0, "a text frame");
            return new String(payload, StandardCharsets.UTF_8);
        }
    }
}
