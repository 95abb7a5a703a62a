package dev.btclock.core.codec;

import dev.btclock.core.GoldenVectors;
import dev.btclock.core.codec.V2Request.Action;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import static dev.btclock.core.GoldenVectors.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class V2CodecTest {

    private static void assertVector(String name, byte[] actual) {
        assertEquals(GoldenVectors.hex(bytes(name)), GoldenVectors.hex(actual), "vector " + name);
    }

    @Test
    void prices_useSmallestIntegerWidth() {
        assertVector("3-v2", V2Codec.price("USD", 99999));
        assertVector("4-v2", V2Codec.price("USD", 100000));
        assertVector("5-65535", V2Codec.price("USD", 65535));
        assertVector("5-65536", V2Codec.price("USD", 65536));
        assertVector("6", V2Codec.price("USD", 64212));
        assertVector("7", V2Codec.price("JPY", 14876543));
        assertVector("14-4", V2Codec.price("EUR", 59123));
        assertVector("14-6", V2Codec.price("JPY", 10123456));
        assertVector("27-2", V2Codec.price("CHF", 55000));
    }

    @Test
    void messages_areFixstrMaps() {
        assertVector("8", V2Codec.welcome());
        assertVector("14-1", V2Codec.msg("Subscribed to USD"));
        assertVector("14-3", V2Codec.msg("Subscribed to EUR"));
        assertVector("27-1", V2Codec.msg("Subscribed to CHF"));
        assertVector("29-reply", V2Codec.msg("Unsubscribed to XYZ"));
        assertVector("25-reply", V2Codec.error("XYZ does not exist."));
        assertVector("26-reply", V2Codec.error("5 does not exist."));
    }

    @Test
    void longStrings_useStr8() {
        String currency = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        byte[] frame = V2Codec.error(currency + " does not exist.");
        assertEquals("81 a5 65 72 72 6f 72 d9 2a", GoldenVectors.hex(frame).substring(0, 26));
    }

    @Test
    void blockAndFees_areIntegers() {
        assertVector("12", V2Codec.blockheight(870123));
        assertVector("12-next", V2Codec.blockheight(870124));
        assertVector("10", V2Codec.blockfee(13));
        assertVector("19-blockfee", V2Codec.blockfee(12));
        assertVector("20-blockfee", V2Codec.blockfee(10));
        assertVector("22-blockfee", V2Codec.blockfee(1));
    }

    @Test
    void blockfee2_isIntegerWhenIntegralElseFloat64() {
        assertVector("17", V2Codec.blockfee2(12.5));
        assertVector("18-blockfee2", V2Codec.blockfee2(13));
        assertVector("19-blockfee2", V2Codec.blockfee2(12.0));
        assertVector("20-blockfee2", V2Codec.blockfee2(9.88));
        assertVector("21-blockfee2", V2Codec.blockfee2(9.87));
        assertVector("22-blockfee2", V2Codec.blockfee2(1));
        assertVector("23-blockfee2", V2Codec.blockfee2(0.5));
        assertVector("24-2.68", V2Codec.blockfee2(2.68));
        assertVector("24-1.01", V2Codec.blockfee2(1.01));
        assertVector("24-9.99", V2Codec.blockfee2(9.99));
        assertEquals("81 a9 62 6c 6f 63 6b 66 65 65 32 00", GoldenVectors.hex(V2Codec.blockfee2(-0.0)));
    }

    @Test
    void decode_firmwareSubscribes() {
        assertEquals(Optional.of(new V2Request(Action.SUBSCRIBE, "blockfee", null)), V2Codec.decode(bytes("9")));
        assertEquals(Optional.of(new V2Request(Action.SUBSCRIBE, "blockheight", null)), V2Codec.decode(bytes("11")));
        assertEquals(Optional.of(new V2Request(Action.SUBSCRIBE, "price", List.of("USD", "EUR", "JPY"))),
                V2Codec.decode(bytes("13")));
        assertEquals(Optional.of(new V2Request(Action.SUBSCRIBE, "price", List.of("USD"))), V2Codec.decode(bytes("15")));
        assertEquals(Optional.of(new V2Request(Action.SUBSCRIBE, "blockfee2", null)), V2Codec.decode(bytes("16")));
        assertEquals(Optional.of(new V2Request(Action.UNSUBSCRIBE, "price", List.of("XYZ"))),
                V2Codec.decode(bytes("29-request")));
    }

    @Test
    void decode_numericCurrency_rendersLikeJavaScript() {
        // {"type":"subscribe","eventType":"price","currency":5}
        byte[] msg = HexFormat.of().parseHex("83a474797065a9737562736372696265a96576656e7454797065a57072696365a863757272656e637905");
        assertEquals(List.of("5"), V2Codec.decode(msg).orElseThrow().currencies());
    }

    @Test
    void decode_currencyWinsOverCurrencies() {
        // {"type":"subscribe","eventType":"price","currencies":["EUR"],"currency":"USD"}
        byte[] msg = HexFormat.of().parseHex(
                "84a474797065a9737562736372696265a96576656e7454797065a57072696365aa63757272656e6369657391a3455552a863757272656e6379a3555344");
        assertEquals(List.of("USD"), V2Codec.decode(msg).orElseThrow().currencies());
    }

    @Test
    void decode_currenciesNotAnArray_hasNoCurrencies() {
        // {"type":"subscribe","eventType":"price","currencies":"USD"}
        byte[] msg = HexFormat.of().parseHex("83a474797065a9737562736372696265a96576656e7454797065a57072696365aa63757272656e63696573a3555344");
        assertEquals(Optional.of(new V2Request(Action.SUBSCRIBE, "price", null)), V2Codec.decode(msg));
    }

    @Test
    void decode_ignoresWhatProtocolSaysToIgnore() {
        assertTrue(V2Codec.decode(bytes("30-array")).isEmpty());
        assertTrue(V2Codec.decode(bytes("30-neverused")).isEmpty());
        assertTrue(V2Codec.decode(bytes("30-truncated")).isEmpty());
        assertTrue(V2Codec.decode(new byte[0]).isEmpty());
        // {"type":"hello"}
        assertTrue(V2Codec.decode(HexFormat.of().parseHex("81a474797065a568656c6c6f")).isEmpty());
        // a valid subscribe followed by one trailing byte
        byte[] trailing = java.util.Arrays.copyOf(bytes("11"), bytes("11").length + 1);
        assertTrue(V2Codec.decode(trailing).isEmpty());
        // JSON text sent as binary
        assertTrue(V2Codec.decode("{\"type\":\"subscribe\"}".getBytes()).isEmpty());
    }

    @Test
    void decode_hugeDeclaredSizes_doNotAllocate() {
        assertTrue(V2Codec.decode(HexFormat.of().parseHex("dfffffffff")).isEmpty());
        assertTrue(V2Codec.decode(HexFormat.of().parseHex("81a474797065dbffffffff")).isEmpty());
        assertTrue(V2Codec.decode(HexFormat.of().parseHex("81aa63757272656e63696573ddffffffff")).isEmpty());
    }

    @Test
    void encoders_returnIndependentArrays() {
        byte[] a = V2Codec.welcome();
        a[0] = 0;
        assertArrayEquals(bytes("8"), V2Codec.welcome());
    }
}
