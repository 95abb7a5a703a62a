package dev.btclock.tests;

import dev.btclock.core.Await;
import dev.btclock.core.codec.ServerFrame;
import dev.btclock.core.codec.V2Codec;
import dev.btclock.server.ServerAssembly;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

import static dev.btclock.core.GoldenVectors.bytes;
import static dev.btclock.core.GoldenVectors.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fake mempool → server → real WebSocket clients: every frame checked against the golden vectors
 * of docs/protocol.md §4, byte for byte, through real sockets.
 */
@BothEngines
class DeviceProtocolIT {

    @Parameter
    String engine;
    private FakeMempoolServer mempool;
    private ServerAssembly server;

    @BeforeEach
    void start() throws Exception {
        TestServer.useEngine(engine);
        mempool = FakeMempoolServer.start();
        server = TestServer.startHealthy(mempool, Map.of());
    }

    @AfterEach
    void stop() {
        TestServer.useEngine(null);
        server.close();
        mempool.close();
    }

    private static void assertFrame(String vector, WsTestClient.Frame frame) {
        assertEquals(hex(bytes(vector)), hex(frame.payload()), "vector " + vector);
    }

    private static byte[] msgpack(String hex) {
        return HexFormat.of().parseHex(hex.replace(" ", ""));
    }

    @Test
    void v1Connect_sendsTheThreeFramesOfVector1f_withRoundedFee() throws Exception {
        try (WsTestClient c = WsTestClient.connect(server.port(), "/ws")) {
            assertEquals(hex(bytes("1f-frame-price")), hex(c.next().raw()));
            assertEquals(hex(bytes("1f-frame-block")), hex(c.next().raw()));
            assertEquals(hex(bytes("1f-frame-fee")), hex(c.next().raw()));
        }
    }

    @Test
    void v1WithQueryAndArduinoSubprotocol_isAcceptedAndEchoed() throws Exception {
        try (WsTestClient c = WsTestClient.connect(server.port(), "/ws?assets=bitcoin", "Sec-WebSocket-Protocol: arduino")) {
            assertEquals(101, c.status());
            assertEquals("arduino", c.header("Sec-WebSocket-Protocol"));
            assertEquals("upgrade", c.header("Connection").toLowerCase());
            assertEquals(bytes("1-v1-price").length, c.next().payload().length);
        }
        try (WsTestClient c = WsTestClient.connect(server.port(), "/api/v1/ws")) {
            assertEquals(null, c.header("Sec-WebSocket-Protocol"));
            assertEquals("{\"bitcoin\":64212}", c.next().text());
        }
    }

    @Test
    void v2_welcome_thenV3FirmwareSession_matchesVector31() throws Exception {
        try (WsTestClient c = WsTestClient.connect(server.port(), "/api/v2/ws", "Sec-WebSocket-Protocol: arduino")) {
            assertEquals(hex(bytes("8-frame")), hex(c.next().raw()));
            c.sendBinary(bytes("9"));
            c.sendBinary(bytes("11"));
            c.sendBinary(bytes("13"));
            assertFrame("10", c.next());
            assertFrame("12", c.next());
            for (String v : new String[] {"14-1", "14-2", "14-3", "14-4", "14-5", "14-6"}) {
                WsTestClient.Frame f = c.next();
                assertEquals(0x2, f.opcode());
                assertFrame(v, f);
            }
        }
    }

    @Test
    void v2_v4FirmwareSession_matchesVector32() throws Exception {
        try (WsTestClient c = WsTestClient.connect(server.port(), "/api/v2/ws")) {
            c.next();
            c.sendBinary(bytes("11"));
            c.sendBinary(bytes("16"));
            c.sendBinary(bytes("15"));
            assertFrame("12", c.next());
            assertFrame("18-blockfee2", c.next());
            assertFrame("14-1", c.next());
            assertFrame("14-2", c.next());
        }
    }

    @Test
    void v2_unknownCurrency_numberCurrency_unsubscribe_andCurrencyWithoutPreset() throws Exception {
        try (WsTestClient c = WsTestClient.connect(server.port(), "/api/v2/ws")) {
            c.next();
            c.sendBinary(bytes("25-request"));
            assertFrame("25-reply", c.next());
            c.sendBinary(msgpack("83a474797065a9737562736372696265a96576656e7454797065a57072696365a863757272656e637905"));
            assertFrame("26-reply", c.next());
            c.sendBinary(bytes("29-request"));
            assertFrame("29-reply", c.next());
            // CHF is not preset but has a price: vector 27
            c.sendBinary(msgpack("83a474797065a9737562736372696265a96576656e7454797065a57072696365a863757272656e6379a3434846"));
            assertFrame("27-1", c.next());
            assertFrame("27-2", c.next());
        }
    }

    @Test
    void v2_presetCurrencyWithoutPrice_getsOnlyTheAck_thenThePriceWhenItArrives() throws Exception {
        try (WsTestClient c = WsTestClient.connect(server.port(), "/api/v2/ws")) {
            c.next();
            // subscribe price GBP (preset, mempool says -1)
            c.sendBinary(msgpack("83a474797065a9737562736372696265a96576656e7454797065a57072696365a863757272656e6379a3474250"));
            assertEquals(hex(V2("Subscribed to GBP")), hex(c.next().payload()));
            c.sendBinary(bytes("11"));
            assertFrame("12", c.next());
            mempool.pushConversions("{\"time\":1,\"USD\":64212,\"GBP\":51000}");
            assertEquals("81 a5 70 72 69 63 65 81 a3 47 42 50 cd c7 38", hex(c.next().payload()));
        }
    }

    private static byte[] V2(String msg) {
        return dev.btclock.core.codec.V2Codec.msg(msg);
    }

    @Test
    void v2_badInput_isIgnoredSilently_andTheConnectionStaysUsable() throws Exception {
        try (WsTestClient c = WsTestClient.connect(server.port(), "/api/v2/ws")) {
            c.next();
            c.sendBinary(msgpack("82a474797065ab756e737562736372696265a96576656e7454797065ab626c6f636b686569676874"));
            c.sendBinary(msgpack("82a474797065a9737562736372696265a96576656e7454797065a3666f6f"));
            c.sendBinary(msgpack("81a474797065a568656c6c6f"));
            c.sendBinary(bytes("30-array"));
            c.sendBinary(bytes("30-neverused"));
            c.sendBinary(bytes("30-truncated"));
            c.sendText("{\"type\":\"subscribe\",\"eventType\":\"blockheight\"}");
            c.sendBinary(bytes("11"));
            assertFrame("12", c.next());
            assertEquals(0, c.pending());
        }
    }

    @Test
    void changes_reachV1AndSubscribedV2Clients_asGoldenFrames() throws Exception {
        try (WsTestClient v1 = WsTestClient.connect(server.port(), "/ws");
             WsTestClient v2 = WsTestClient.connect(server.port(), "/api/v2/ws");
             WsTestClient eurOnly = WsTestClient.connect(server.port(), "/api/v2/ws")) {
            v1.next(3);
            v2.next();
            eurOnly.next();
            v2.sendBinary(bytes("11"));
            v2.sendBinary(bytes("9"));
            v2.sendBinary(bytes("16"));
            v2.sendBinary(bytes("15"));
            v2.next(5);
            eurOnly.sendBinary(msgpack("83a474797065a9737562736372696265a96576656e7454797065a57072696365a863757272656e6379a3455552"));
            eurOnly.next(2);

            mempool.pushBlock(870124, "0000000000000000000bbb", 9.876);
            assertEquals("{\"block\":{\"height\":870124}}", v1.next().text());
            assertEquals(bytes("20-v1").length, v1.next().payload().length);
            assertFrame("12-next", v2.next());
            assertFrame("20-blockfee", v2.next());
            assertFrame("20-blockfee2", v2.next());

            mempool.pushFee(9.874);
            assertFrame("21-blockfee2", v2.next());

            mempool.pushConversions("{\"time\":2,\"USD\":99999,\"EUR\":59300}");
            assertEquals("{\"bitcoin\":99999}", v1.next().text());
            assertFrame("3-v2", v2.next());
            assertEquals("81 a5 70 72 69 63 65 81 a3 45 55 52 cd e7 a4", hex(eurOnly.next().payload()));
            // a final marker frame proves nothing else was queued in between
            mempool.pushBlock(870125, "ccc", 9.874);
            assertEquals("{\"block\":{\"height\":870125}}", v1.next().text());
            assertEquals("81 ab 62 6c 6f 63 6b 68 65 69 67 68 74 ce 00 0d 46 ed", hex(v2.next().payload()));
            assertEquals(0, eurOnly.pending());
        }
    }

    @Test
    void priceRepush_sendsAQuietPriceAgain_toV1AndToItsV2Subscribers() throws Exception {
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
        try (ServerAssembly repushing = TestServer.awaitHealthy(TestServer.start(
                     // an idle timeout beyond the clock's jumps, which would otherwise make every device look silent
                     TestServer.config(mempool, Map.of("PRICE_REPUSH_SECONDS", "600", "WS_IDLE_TIMEOUT_SECONDS", "86400")),
                     now::get));
             WsTestClient v1 = WsTestClient.connect(repushing.port(), "/ws");
             WsTestClient v2 = WsTestClient.connect(repushing.port(), "/api/v2/ws")) {
            WsTestClient.Frame price = v1.next();
            v1.next(2);
            v2.next();
            v2.sendBinary(bytes("15"));
            assertFrame("14-1", v2.next());
            WsTestClient.Frame usd = v2.next();
            // Nothing changes upstream; once the server's clock has moved past 600 s, the same frames come
            // again (the wall clock stays far from it: this fails if the re-push reads any other clock).
            now.addAndGet(java.time.Duration.ofSeconds(601).toNanos());
            assertEquals(hex(price.raw()), hex(v1.next().raw()));
            assertEquals(hex(usd.raw()), hex(v2.next().raw()));
            now.addAndGet(java.time.Duration.ofSeconds(601).toNanos());
            assertEquals(hex(price.raw()), hex(v1.next().raw()));
        }
    }

    @Test
    void stalePrice_isNotRePushed_isNamedByHealth_andItsAgeShows_whileAConfirmedOneIs() throws Exception {
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
        try (ServerAssembly repushing = TestServer.awaitHealthy(TestServer.start(
                     TestServer.config(mempool, Map.of("PRICE_REPUSH_SECONDS", "600", "PRICE_STALE_SECONDS", "3",
                             "WS_IDLE_TIMEOUT_SECONDS", "86400")), now::get));
             WsTestClient v2 = WsTestClient.connect(repushing.port(), "/api/v2/ws")) {
            v2.next();
            for (String currency : new String[] {"USD", "EUR"}) {
                v2.sendBinary(V2Codec.request(dev.btclock.core.codec.V2Request.Action.SUBSCRIBE, "price", currency));
                v2.next(2);
            }
            v2.sendBinary(V2Codec.request(new dev.btclock.core.codec.V2Request(dev.btclock.core.codec.V2Request.Action.SUBSCRIBE,
                    "blockheight", null)));
            assertEquals(Optional.of(new ServerFrame.BlockHeight(870123)), V2Codec.decodeFrame(v2.next().payload()));
            // The fake mempool confirms no price after its first: three seconds later every price is stale.
            Await.until("prices stale", WsTestClient.DEADLINE, () -> repushing.health().reason().equals(
                    "degraded: stale prices (not confirmed for over 3 s): USD, EUR, CHF, JPY"), () -> repushing.health().reason());
            java.net.http.HttpResponse<String> last = TestServer.get(repushing.port(), "/api/lastprice");
            assertEquals("{\"USD\":64212,\"EUR\":59123,\"CHF\":55000,\"JPY\":10123456}", last.body(), "the body is unchanged");
            String ages = last.headers().firstValue("X-Price-Age").orElse("");
            assertTrue(ages.matches("USD=\\d+, EUR=\\d+, CHF=\\d+, JPY=\\d+"), last.headers().map().toString());
            assertTrue(Long.parseLong(ages.replaceAll("USD=(\\d+),.*", "$1")) >= 3, ages);

            // EUR is confirmed (within the change threshold: devices see nothing), the others stay stale.
            mempool.pushConversions("{\"time\":3,\"EUR\":59124}");
            Await.until("EUR fresh", WsTestClient.DEADLINE, () -> repushing.health().reason().equals(
                    "degraded: stale prices (not confirmed for over 3 s): USD, CHF, JPY"), () -> repushing.health().reason());
            now.addAndGet(java.time.Duration.ofSeconds(601).toNanos());
            // One re-push round sends every due price: USD, had it been due, would come with EUR.
            assertEquals(Optional.of(new ServerFrame.Price("EUR", 59123)), V2Codec.decodeFrame(v2.next().payload()),
                    "the confirmed price is re-pushed");
            mempool.pushBlock(870124, "0000000000000000000bbb", 12.5);
            assertEquals(Optional.of(new ServerFrame.BlockHeight(870124)), V2Codec.decodeFrame(v2.next().payload()),
                    "the stale USD price was not re-pushed");
        }
    }

    @Test
    void devices_areCountedByTheKindOfClientTheirUserAgentNames() throws Exception {
        try (WsTestClient firmware = WsTestClient.connect(server.port(), "/api/v2/ws", "User-Agent: BTClock/3.0");
             WsTestClient esp = WsTestClient.connect(server.port(), "/ws", "User-Agent: ESP32 Websocket Client");
             WsTestClient browser = WsTestClient.connect(server.port(), "/api/v2/ws", "User-Agent: Mozilla/5.0 (X11) Chrome/156");
             WsTestClient other = WsTestClient.connect(server.port(), "/ws", "User-Agent: curl/8.0\u0000<script>")) {
            firmware.next();
            esp.next();
            browser.next();
            other.next();
            Await.until("four kinds", WsTestClient.DEADLINE, () -> server.healthDetail().contains(
                    "\"byClient\":{\"btclock-firmware\":1,\"esp32-client\":1,\"browser\":1,\"other\":1}"), server::healthDetail);
            assertTrue(!server.healthDetail().contains("curl") && !server.healthDetail().contains("script"), "the User-Agent is never shown");
        }
        Await.until("all gone", WsTestClient.DEADLINE, () -> server.healthDetail().contains(
                "\"byClient\":{\"btclock-firmware\":0,\"esp32-client\":0,\"browser\":0,\"other\":0}"), server::healthDetail);
    }

    @Test
    void rest_bodiesAreExact() throws Exception {
        var block = TestServer.get(server.port(), "/api/lastblock");
        assertEquals(200, block.statusCode());
        assertEquals("870123", block.body());
        assertEquals("application/json; charset=utf-8", block.headers().firstValue("Content-Type").orElse(""));
        assertEquals("13", TestServer.get(server.port(), "/api/lastfee").body());
        assertEquals("{\"USD\":64212,\"EUR\":59123,\"CHF\":55000,\"JPY\":10123456}",
                TestServer.get(server.port(), "/api/lastprice").body());
        assertEquals("[\"USD\",\"EUR\",\"CHF\",\"JPY\"]", TestServer.get(server.port(), "/api/v2/currencies").body());
        var missing = TestServer.get(server.port(), "/api/nope");
        assertEquals(404, missing.statusCode());
        assertEquals("{\"message\":\"Route GET:/api/nope not found\",\"error\":\"Not Found\",\"statusCode\":404}", missing.body());
        assertEquals(404, TestServer.get(server.port(), "/api/v2/ws").statusCode());
        mempool.pushFee(9.876);
        Await.until("fee stored", WsTestClient.DEADLINE, () -> server.state().snapshot().fee() == 9.88);
        assertEquals("9.88", TestServer.get(server.port(), "/api/lastfee").body());
    }
}
