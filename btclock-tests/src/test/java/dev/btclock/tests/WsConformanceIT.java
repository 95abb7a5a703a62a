package dev.btclock.tests;

import dev.btclock.core.GoldenVectors;
import dev.btclock.server.ServerAssembly;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.btclock.tests.RawWebSocket.concat;
import static dev.btclock.tests.RawWebSocket.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RFC 6455 conformance of the server's own WebSocket layer, over real connections, on the ground
 * the Autobahn test suite covers in its cases 1–7 and 9–10: framing (1), pings and pongs (2),
 * reserved bits (3), opcodes (4), fragmentation (5), UTF-8 (6), close handling (7), limits (9)
 * and fragmented delivery of large messages (10). Autobahn drives an echo server; this server
 * echoes nothing, so "accepted" is shown by a ping answered after the frames under test (and, on
 * v2, by the reply to a subscribe sent through them), and "failed" by a close frame with the RFC's
 * code followed by the end of the TCP connection.
 *
 * <p>The server runs with {@code WS_MAX_MESSAGE_BYTES=65536}, so that every length encoding can be
 * exercised; the default limit is tested apart.
 */
@BothEngines
class WsConformanceIT {

    @Parameter
    String engine;

    private static final int MAX = 65536;
    private static FakeMempoolServer mempool;
    private static ServerAssembly server;
    private final List<RawWebSocket> open = new ArrayList<>();

    @BeforeParameterizedClassInvocation(injectArguments = true)
    static void start(String engine) throws IOException {
        TestServer.useEngine(engine);
        mempool = FakeMempoolServer.start();
        server = TestServer.startHealthy(mempool, Map.of("WS_MAX_MESSAGE_BYTES", Integer.toString(MAX)));
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        TestServer.useEngine(null);
        server.close();
        mempool.close();
    }

    @AfterEach
    void closeClients() throws IOException {
        for (RawWebSocket ws : open) {
            ws.close();
        }
    }

    private RawWebSocket v1() throws IOException {
        RawWebSocket ws = RawWebSocket.open(server.port(), "/ws");
        open.add(ws);
        return ws;
    }

    private RawWebSocket v2() throws IOException {
        RawWebSocket ws = RawWebSocket.open(server.port(), "/api/v2/ws");
        open.add(ws);
        return ws;
    }

    private static byte[] bytes(int n, int value) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) value);
        return b;
    }

    private static void assertFailsWith(int code, RawWebSocket ws) throws IOException {
        RawWebSocket.Frame close = ws.expectClose();
        assertEquals(code, close.closeCode(), "close code");
        assertTrue(ws.ended(), "the server closed the TCP connection after its close frame");
    }

    // ------------------------------------------------------------------ 1: framing

    @ParameterizedTest(name = "1: text and binary of {0} bytes, in one write and chopped")
    @ValueSource(ints = {0, 1, 125, 126, 127, 128, 1000, 65535, 65536})
    void framing_everyLengthEncoding_isRead(int length) throws IOException {
        RawWebSocket ws = v1();
        ws.send(frame(0x81, bytes(length, '*'))).send(frame(0x82, bytes(length, 0xfe))).expectAlive();
        ws.sendChopped(concat(frame(0x81, bytes(length, '*')), frame(0x82, bytes(length, 0x01))), 997).expectAlive();
        ws.send(frame(0x81, bytes(Math.min(length, 125), 'w'), true)).expectAlive(); // a 64-bit length for a short payload
    }

    @Test
    void framing_aV2SubscribeInEveryLengthForm_isUnderstood() throws IOException {
        byte[] subscribe = GoldenVectors.bytes("11"); // subscribe blockheight
        byte[] reply = GoldenVectors.bytes("12");
        RawWebSocket ws = v2();
        assertEquals("Welcome", welcome(ws));
        ws.send(frame(0x82, subscribe));
        assertArrayEquals(reply, nextData(ws).payload());
        ws.send(frame(0x82, subscribe, true));
        assertArrayEquals(reply, nextData(ws).payload());
        ws.sendChopped(frame(0x82, subscribe), 1);
        assertArrayEquals(reply, nextData(ws).payload());
    }

    // ------------------------------------------------------------------ 2: pings and pongs

    @ParameterizedTest(name = "2: ping of {0} bytes is answered with the same payload")
    @ValueSource(ints = {0, 1, 10, 125})
    void ping_isAnsweredWithItsPayload_evenChopped(int length) throws IOException {
        byte[] payload = new byte[length];
        for (int i = 0; i < length; i++) {
            payload[i] = (byte) (i * 7 + 0x80); // binary, not text
        }
        RawWebSocket ws = v1();
        ws.send(frame(0x89, payload)).expectPong(payload);
        ws.sendChopped(frame(0x89, payload), 1).expectPong(payload);
    }

    @Test
    void tenPingsInARow_getTenPongs_andUnsolicitedPongsAreIgnored() throws IOException {
        RawWebSocket ws = v1();
        ws.send(frame(0x8A, "unsolicited")).send(frame(0x8A, ""));
        byte[] all = new byte[0];
        for (int i = 0; i < 10; i++) {
            all = concat(all, frame(0x89, "ping " + i));
        }
        ws.send(all);
        for (int i = 0; i < 10; i++) {
            ws.expectPong(("ping " + i).getBytes(StandardCharsets.US_ASCII));
        }
    }

    @Test
    void aPingOver125Bytes_failsWith1002() throws IOException {
        RawWebSocket ws = v1();
        ws.send(frame(0x89, bytes(126, 'p')));
        assertFailsWith(1002, ws);
    }

    // ------------------------------------------------------------------ 3 and 4: reserved bits and opcodes

    static Stream<Arguments> reservedBitsAndOpcodes() {
        List<Arguments> cases = new ArrayList<>();
        for (int rsv : new int[] {0x40, 0x20, 0x10, 0x60, 0x50, 0x30, 0x70}) {
            cases.add(Arguments.of("RSV " + Integer.toHexString(rsv) + " on text", 0x81 | rsv, "x"));
            cases.add(Arguments.of("RSV " + Integer.toHexString(rsv) + " on binary", 0x82 | rsv, "x"));
            cases.add(Arguments.of("RSV " + Integer.toHexString(rsv) + " on ping", 0x89 | rsv, "x"));
            cases.add(Arguments.of("RSV " + Integer.toHexString(rsv) + " on close", 0x88 | rsv, ""));
        }
        for (int op = 3; op <= 7; op++) {
            cases.add(Arguments.of("reserved data opcode " + op, 0x80 | op, "x"));
        }
        for (int op = 11; op <= 15; op++) {
            cases.add(Arguments.of("reserved control opcode " + op, 0x80 | op, ""));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "3/4: {0} fails with 1002, after a valid frame, before a later one")
    @MethodSource("reservedBitsAndOpcodes")
    void reservedBitsAndOpcodes_failWith1002(String name, int first, String payload) throws IOException {
        RawWebSocket ws = v1();
        ws.send(concat(frame(0x81, "valid"), frame(first, payload), frame(0x89, "never answered")));
        RawWebSocket.Frame f;
        do {
            f = ws.next(); // the connect frames and nothing else: no pong for the ping behind the bad frame
            assertTrue(f != null && f.opcode() != 0xA, "a pong for a ping sent after a protocol error");
        } while (f.opcode() != 0x8);
        assertEquals(1002, f.closeCode());
        assertTrue(ws.ended());
    }

    // ------------------------------------------------------------------ 5: fragmentation

    @Test
    void fragmentedMessages_withControlFramesBetweenFragments_areOneMessage() throws IOException {
        byte[] subscribe = GoldenVectors.bytes("11");
        RawWebSocket ws = v2();
        welcome(ws);
        int half = subscribe.length / 2;
        ws.send(concat(frame(0x02, Arrays.copyOfRange(subscribe, 0, half)), frame(0x89, "between"), frame(0x8A, "pong"),
                frame(0x80, Arrays.copyOfRange(subscribe, half, subscribe.length))));
        ws.expectPong("between".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals(GoldenVectors.bytes("12"), nextData(ws).payload(), "the reassembled subscribe was answered");
        // One byte per fragment, chopped one byte per write.
        byte[] many = new byte[0];
        for (int i = 0; i < subscribe.length; i++) {
            int first = (i == 0 ? 0x02 : 0x00) | (i == subscribe.length - 1 ? 0x80 : 0);
            many = concat(many, frame(first, new byte[] {subscribe[i]}));
        }
        ws.sendChopped(many, 1);
        assertArrayEquals(GoldenVectors.bytes("12"), nextData(ws).payload());
        ws.send(concat(frame(0x01, "frag"), frame(0x00, ""), frame(0x80, "ment"))).expectAlive();
    }

    static Stream<Arguments> badFragmentation() {
        return Stream.of(
                Arguments.of("a fragmented ping", concat(frame(0x09, "pi"), frame(0x80, "ng"))),
                Arguments.of("a fragmented pong", concat(frame(0x0A, "po"), frame(0x80, "ng"))),
                Arguments.of("a continuation (FIN) without a start", frame(0x80, "orphan")),
                Arguments.of("a continuation (no FIN) without a start", concat(frame(0x00, "orphan"), frame(0x80, "x"))),
                Arguments.of("a new text inside a fragmented text", concat(frame(0x01, "a"), frame(0x81, "b"))),
                Arguments.of("a new binary inside a fragmented text", concat(frame(0x01, "a"), frame(0x02, "b"), frame(0x80, "c"))));
    }

    @ParameterizedTest(name = "5: {0} fails with 1002")
    @MethodSource("badFragmentation")
    void badFragmentation_failsWith1002(String name, byte[] bytes) throws IOException {
        RawWebSocket ws = v1();
        ws.send(bytes);
        assertFailsWith(1002, ws);
        RawWebSocket chopped = v1();
        chopped.sendChopped(bytes, 1);
        assertFailsWith(1002, chopped);
    }

    // ------------------------------------------------------------------ 6: UTF-8

    static Stream<String> validUtf8() {
        return Stream.of("", "Hello-µ@ßöäüàá-UTF-8!!", "κόσμε", "\u0080", "\u07ff", "\u0800", "\uffff",
                "\ud800\udc00", "\udbff\udfff", "\ud7ff", "\ue000", "\ufffd", "\ufeff", "\u0000");
    }

    @ParameterizedTest(name = "6: valid text \"{0}\" in one frame, in one-byte fragments, chopped")
    @MethodSource("validUtf8")
    void validUtf8_isAccepted_howeverItIsSplit(String text) throws IOException {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        RawWebSocket ws = v1();
        ws.send(frame(0x81, utf8)).expectAlive();
        byte[] fragments = utf8.length == 0 ? frame(0x81, utf8) : new byte[0];
        for (int i = 0; i < utf8.length; i++) {
            int first = (i == 0 ? 0x01 : 0x00) | (i == utf8.length - 1 ? 0x80 : 0);
            fragments = concat(fragments, frame(first, new byte[] {utf8[i]}));
        }
        ws.send(fragments).expectAlive();
        ws.sendChopped(frame(0x81, utf8), 1).expectAlive();
    }

    static Stream<Arguments> invalidUtf8() {
        return Stream.of(
                Arguments.of("a lone continuation byte", new int[] {0x80}),
                Arguments.of("continuation bytes only", new int[] {0x80, 0xbf, 0x80}),
                Arguments.of("a lone start byte", new int[] {0xc0, 0x20}),
                Arguments.of("overlong '/' in two bytes", new int[] {0xc0, 0xaf}),
                Arguments.of("overlong '/' in three bytes", new int[] {0xe0, 0x80, 0xaf}),
                Arguments.of("overlong '/' in four bytes", new int[] {0xf0, 0x80, 0x80, 0xaf}),
                Arguments.of("the largest overlong three-byte form", new int[] {0xe0, 0x9f, 0xbf}),
                Arguments.of("a high surrogate", new int[] {0xed, 0xa0, 0x80}),
                Arguments.of("a low surrogate", new int[] {0xed, 0xbf, 0xbf}),
                Arguments.of("a surrogate pair", new int[] {0xed, 0xa0, 0x80, 0xed, 0xb0, 0x80}),
                Arguments.of("U+110000", new int[] {0xf4, 0x90, 0x80, 0x80}),
                Arguments.of("a five-byte form", new int[] {0xf8, 0x88, 0x80, 0x80, 0x80}),
                Arguments.of("0xfe", new int[] {0xfe}),
                Arguments.of("0xff", new int[] {0xff}),
                Arguments.of("truncated at the end", new int[] {0x41, 0xe2, 0x82}),
                Arguments.of("a truncated sequence before ASCII", new int[] {0xe2, 0x82, 0x41}));
    }

    @ParameterizedTest(name = "6: {0} fails with 1007, in one frame and split across fragments")
    @MethodSource("invalidUtf8")
    void invalidUtf8_failsWith1007(String name, int[] bad) throws IOException {
        byte[] payload = new byte[bad.length + 4];
        payload[0] = 'o';
        payload[1] = 'k';
        for (int i = 0; i < bad.length; i++) {
            payload[2 + i] = (byte) bad[i];
        }
        payload[payload.length - 2] = 'o';
        payload[payload.length - 1] = 'k';
        if (name.startsWith("truncated at the end")) {
            payload = Arrays.copyOf(payload, payload.length - 2);
        }
        RawWebSocket ws = v1();
        ws.send(frame(0x81, payload));
        assertFailsWith(1007, ws);
        // The same bytes, one per fragment.
        byte[] fragments = new byte[0];
        for (int i = 0; i < payload.length; i++) {
            int first = (i == 0 ? 0x01 : 0x00) | (i == payload.length - 1 ? 0x80 : 0);
            fragments = concat(fragments, frame(first, new byte[] {payload[i]}));
        }
        RawWebSocket split = v1();
        split.send(fragments);
        assertFailsWith(1007, split);
    }

    @Test
    void invalidUtf8_failsFast_beforeTheMessageEnds() throws IOException {
        RawWebSocket ws = v1();
        byte[] valid = frame(0x01, "κόσμε".getBytes(StandardCharsets.UTF_8));
        byte[] invalid = frame(0x00, new byte[] {(byte) 0xed, (byte) 0xa0});
        byte[] f = frame(0x81, concat("ok".getBytes(StandardCharsets.US_ASCII), new byte[] {(byte) 0xff}, bytes(1000, 'x')));
        if (engine.equals("jsr356")) {
            // Tyrus decodes a text message once its last frame is in: the same 1007, at the message's end.
            ws.send(concat(valid, invalid, frame(0x80, new byte[0])));
            assertFailsWith(1007, ws);
            RawWebSocket part = v1();
            part.send(f);
            assertFailsWith(1007, part);
            return;
        }
        // A valid first fragment, an invalid second one, and no third: the server fails at once.
        ws.send(concat(valid, invalid));
        assertFailsWith(1007, ws);
        // Inside one frame whose rest is still to come.
        RawWebSocket part = v1();
        part.send(Arrays.copyOf(f, 20));
        assertFailsWith(1007, part);
    }

    // ------------------------------------------------------------------ 7: close handling

    @Test
    void aCloseFrame_isEchoed_andTheServerClosesTheTcpConnection() throws IOException {
        RawWebSocket ws = v1();
        ws.send(frame(0x88, new byte[] {0x03, (byte) 0xe8}));
        assertFailsWith(1000, ws);
        RawWebSocket empty = v1();
        empty.send(frame(0x88, new byte[0]));
        RawWebSocket.Frame close = empty.expectClose();
        if (engine.equals("jsr356")) {
            // Tyrus answers a close without status with 1000 and a reason instead of an empty close.
            assertEquals(1000, close.closeCode(), "Tyrus's answer to a close without status");
        } else {
            assertEquals(0, close.payload().length, "no status echoed for none");
        }
        assertTrue(empty.ended());
    }

    @Test
    void afterACloseFrame_nothingIsAnswered() throws IOException {
        RawWebSocket ws = v1();
        ws.send(concat(frame(0x88, new byte[] {0x03, (byte) 0xe8}), frame(0x89, "after close"), frame(0x81, "after close"),
                frame(0x88, new byte[] {0x03, (byte) 0xe9})));
        RawWebSocket.Frame f;
        do {
            f = ws.next();
            assertTrue(f != null && f.opcode() != 0xA, "a ping after the close frame was answered");
        } while (f.opcode() != 0x8);
        assertEquals(1000, f.closeCode(), "only the first close is echoed");
        assertTrue(ws.ended());
    }

    @Test
    void aCloseFrameInsideAFragmentedMessage_isHonoured() throws IOException {
        RawWebSocket ws = v1();
        ws.send(concat(frame(0x01, "frag"), frame(0x88, new byte[] {0x03, (byte) 0xe8})));
        assertFailsWith(1000, ws);
    }

    @ParameterizedTest(name = "7: close code {0} is echoed")
    @ValueSource(ints = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999})
    void validCloseCodes_areEchoed_withAReason(int code) throws IOException {
        RawWebSocket ws = v1();
        ws.send(frame(0x88, concat(new byte[] {(byte) (code >> 8), (byte) code}, "bye – κόσμε".getBytes(StandardCharsets.UTF_8))));
        assertFailsWith(code, ws);
    }

    @ParameterizedTest(name = "7: close code {0} fails with 1002")
    @ValueSource(ints = {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535})
    void invalidCloseCodes_failWith1002(int code) throws IOException {
        RawWebSocket ws = v1();
        ws.send(frame(0x88, new byte[] {(byte) (code >> 8), (byte) code}));
        assertFailsWith(1002, ws);
    }

    @Test
    void malformedClosePayloads_fail() throws IOException {
        RawWebSocket one = v1();
        one.send(frame(0x88, new byte[] {0x03}));
        assertFailsWith(1002, one);
        RawWebSocket longest = v1();
        longest.send(frame(0x88, concat(new byte[] {0x03, (byte) 0xe8}, bytes(123, 'r'))));
        assertFailsWith(1000, longest);
        RawWebSocket tooLong = v1();
        tooLong.send(frame(0x88, concat(new byte[] {0x03, (byte) 0xe8}, bytes(124, 'r'))));
        assertFailsWith(1002, tooLong);
        RawWebSocket notUtf8 = v1();
        notUtf8.send(frame(0x88, new byte[] {0x03, (byte) 0xe8, (byte) 0xce, (byte) 0xba, (byte) 0xe1, (byte) 0xbd}));
        assertFailsWith(1007, notUtf8);
    }

    // ------------------------------------------------------------------ 9 and 10: limits and fragmented delivery

    @Test
    void aMessageAtTheLimitIsRead_oneByteMoreFailsWith1009_announcedOrAccumulated() throws IOException {
        RawWebSocket ws = v1();
        ws.send(frame(0x82, bytes(MAX, 'b'))).expectAlive();
        ws.send(frame(0x81, bytes(MAX + 1, 't')));
        assertFailsWith(1009, ws);
        RawWebSocket fragments = v1();
        byte[] all = new byte[0];
        for (int i = 0; i < 64; i++) {
            all = concat(all, frame(i == 0 ? 0x02 : 0x00, bytes(1024, 'f')));
        }
        fragments.send(concat(all, frame(0x80, bytes(1, 'f')))); // 65,537 bytes in 65 fragments
        assertFailsWith(1009, fragments);
    }

    @Test
    void manySmallFramesInOneWrite_andALargeMessageInSmallFragments_areRead() throws IOException {
        RawWebSocket ws = v1();
        byte[] burst = new byte[0];
        for (int i = 0; i < 1000; i++) {
            burst = concat(burst, frame(0x81, "#" + i));
        }
        ws.send(burst).expectAlive();
        byte[] message = new byte[0];
        for (int i = 0; i < 256; i++) {
            message = concat(message, frame((i == 0 ? 0x01 : 0x00) | (i == 255 ? 0x80 : 0), bytes(256, 'a')));
        }
        ws.sendChopped(message, 1400).expectAlive(); // 65,536 bytes of text, 256 fragments
    }

    @Test
    void theDefaultLimit_isWhatDevicesSend_andClosesAnythingLargerWith1009() throws IOException {
        try (FakeMempoolServer fake = FakeMempoolServer.start();
             ServerAssembly defaults = TestServer.startHealthy(fake, Map.of());
             RawWebSocket ws = RawWebSocket.open(defaults.port(), "/api/v2/ws")) {
            welcome(ws);
            byte[] subscribeAll = GoldenVectors.bytes("11");
            ws.send(frame(0x82, subscribeAll));
            assertArrayEquals(GoldenVectors.bytes("12"), nextData(ws).payload());
            ws.send(frame(0x82, bytes(1024, 0xc0))).expectAlive();
            ws.send(frame(0x82, bytes(1025, 0xc0)));
            assertFailsWith(1009, ws);
        }
    }

    // ------------------------------------------------------------------ helpers

    private static String welcome(RawWebSocket ws) throws IOException {
        RawWebSocket.Frame f = nextData(ws);
        assertEquals(0x82, f.first());
        return f.payload().length > 0 ? "Welcome" : "";
    }

    private static RawWebSocket.Frame nextData(RawWebSocket ws) throws IOException {
        for (RawWebSocket.Frame f = ws.next(); ; f = ws.next()) {
            if (f == null) {
                throw new AssertionError("the connection ended");
            }
            if (f.opcode() == 0x8) {
                throw new AssertionError("closed with " + f.closeCode());
            }
            if (f.opcode() == 0x1 || f.opcode() == 0x2) {
                return f;
            }
        }
    }
}
