package dev.btclock.core.codec;

import dev.btclock.core.GoldenVectors;
import dev.btclock.core.codec.V2Request.Action;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import static dev.btclock.core.GoldenVectors.bytes;
import static dev.btclock.core.GoldenVectors.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both directions of both codecs over the golden vectors: decode, encode again, same bytes. */
class RoundTripTest {

    @ParameterizedTest
    @ValueSource(strings = {"3-v2", "4-v2", "5-65535", "5-65536", "6", "7", "8", "10", "12", "12-next",
            "14-1", "14-2", "14-3", "14-4", "14-5", "14-6", "17", "18-blockfee", "18-blockfee2",
            "19-blockfee", "19-blockfee2", "20-blockfee", "20-blockfee2", "21-blockfee2", "22-blockfee",
            "22-blockfee2", "23-blockfee", "23-blockfee2", "24-2.68", "24-1.01", "24-9.99", "25-reply",
            "26-reply", "27-1", "27-2", "28-1", "29-reply"})
    void v2ServerFrames_decodeAndEncodeToTheSameBytes(String vector) {
        ServerFrame frame = V2Codec.decodeFrame(bytes(vector)).orElseThrow(() -> new AssertionError(vector));
        assertEquals(GoldenVectors.hex(bytes(vector)), GoldenVectors.hex(V2Codec.encode(frame)), vector);
    }

    @Test
    void v2ServerFrames_decodeToTheirValues() {
        assertEquals(Optional.of(new ServerFrame.Message("Welcome")), V2Codec.decodeFrame(bytes("8")));
        assertEquals(Optional.of(new ServerFrame.Price("JPY", 14876543)), V2Codec.decodeFrame(bytes("7")));
        assertEquals(Optional.of(new ServerFrame.BlockHeight(870123)), V2Codec.decodeFrame(bytes("12")));
        assertEquals(Optional.of(new ServerFrame.MedianFee(13)), V2Codec.decodeFrame(bytes("10")));
        assertEquals(Optional.of(new ServerFrame.PreciseFee(12.5)), V2Codec.decodeFrame(bytes("17")));
        assertEquals(Optional.of(new ServerFrame.PreciseFee(13)), V2Codec.decodeFrame(bytes("18-blockfee2")));
        assertEquals(Optional.of(new ServerFrame.PreciseFee(9.88)), V2Codec.decodeFrame(bytes("20-blockfee2")));
        assertEquals(Optional.of(new ServerFrame.ErrorMessage("XYZ does not exist.")),
                V2Codec.decodeFrame(bytes("25-reply")));
    }

    @Test
    void v2DecodeFrame_rejectsRequestsAndMalformedInput() {
        assertTrue(V2Codec.decodeFrame(bytes("9")).isEmpty(), "a request is not a server frame");
        assertTrue(V2Codec.decodeFrame(bytes("30-array")).isEmpty());
        assertTrue(V2Codec.decodeFrame(bytes("30-neverused")).isEmpty());
        assertTrue(V2Codec.decodeFrame(bytes("30-truncated")).isEmpty());
        assertTrue(V2Codec.decodeFrame(new byte[0]).isEmpty());
        byte[] trailing = java.util.Arrays.copyOf(bytes("12"), bytes("12").length + 1);
        assertTrue(V2Codec.decodeFrame(trailing).isEmpty(), "trailing byte");
        byte[] truncated = java.util.Arrays.copyOf(bytes("12"), bytes("12").length - 1);
        assertTrue(V2Codec.decodeFrame(truncated).isEmpty(), "truncated integer");
        // {"price":{"USD":1,"EUR":2}}: one price per frame
        assertTrue(V2Codec.decodeFrame(new MsgPackWriter(32).mapHeader(1).string("price").mapHeader(2)
                .string("USD").integer(1).string("EUR").integer(2).toByteArray()).isEmpty());
        // {"blockheight":"870123"}: wrong value type
        assertTrue(V2Codec.decodeFrame(new MsgPackWriter(32).mapHeader(1).string("blockheight").string("870123")
                .toByteArray()).isEmpty());
        // {"price":{"USD":18446744073709551615}}: uint64 beyond long
        assertTrue(V2Codec.decodeFrame(java.util.HexFormat.of().parseHex(
                "81a5707269636581a3555344cfffffffffffffffff")).isEmpty());
    }

    @Test
    void v2Requests_encodeAsTheFirmwareDoes() {
        for (String vector : List.of("9", "11", "13", "16")) {
            V2Request request = V2Codec.decode(bytes(vector)).orElseThrow();
            assertEquals(GoldenVectors.hex(bytes(vector)), GoldenVectors.hex(V2Codec.request(request)), vector);
        }
        for (String vector : List.of("15", "25-request", "29-request")) {
            V2Request request = V2Codec.decode(bytes(vector)).orElseThrow();
            byte[] single = V2Codec.request(request.action(), request.eventType(), request.currencies().get(0));
            assertEquals(GoldenVectors.hex(bytes(vector)), GoldenVectors.hex(single), vector);
        }
        assertEquals(new V2Request(Action.UNSUBSCRIBE, "price", List.of("EUR", "CHF")),
                V2Codec.decode(V2Codec.request(new V2Request(Action.UNSUBSCRIBE, "price", List.of("EUR", "CHF"))))
                        .orElseThrow());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1-v1-price", "1-v1-block", "1-v1-fee", "2-v1-noprice", "3-v1", "4-v1", "19-v1", "20-v1"})
    void v1Frames_decodeAndEncodeToTheSameText(String vector) {
        ServerFrame frame = V1Codec.decodeFrame(text(vector)).orElseThrow(() -> new AssertionError(vector));
        assertEquals(text(vector), new String(V1Codec.encode(frame), StandardCharsets.US_ASCII));
        assertEquals(Optional.of(frame), V1Codec.decodeFrame(bytes(vector)));
    }

    @Test
    void v1Frames_decodeToTheirValues() {
        assertEquals(Optional.of(new ServerFrame.Price("USD", 64212)), V1Codec.decodeFrame(text("1-v1-price")));
        assertEquals(Optional.of(new ServerFrame.BlockHeight(870123)), V1Codec.decodeFrame(text("1-v1-block")));
        assertEquals(Optional.of(new ServerFrame.MedianFee(13)), V1Codec.decodeFrame(text("1-v1-fee")));
        assertEquals(Optional.of(new ServerFrame.NoPrice()), V1Codec.decodeFrame(text("2-v1-noprice")));
        assertEquals(Optional.of(new ServerFrame.BlockHeight(1)), V1Codec.decodeFrame(" { \"block\" : { \"height\" : 1 } } "));
    }

    @Test
    void v1DecodeFrame_rejectsEverythingElse() {
        for (String text : List.of("", "{", "[]", "null", "{\"bitcoin\":1.5}", "{\"bitcoin\":\"1\"}",
                "{\"bitcoin\":1,\"x\":2}", "{\"block\":{\"height\":1,\"hash\":\"00\"}}",
                "{\"mempool-blocks\":[]}", "{\"mempool-blocks\":[{\"medianFee\":1},{\"medianFee\":2}]}",
                "{\"bitcoin\":1}x", "{\"bitcoin\":01}", "{\"bitcoin\":1,}", "{'bitcoin':1}",
                "{\"bitcoin\":99999999999999999999}", "{\"bit\u0000coin\":1}")) {
            assertTrue(V1Codec.decodeFrame(text).isEmpty(), text);
        }
        assertTrue(V1Codec.decodeFrame(new byte[] {'{', '"', (byte) 0xc3, '"', ':', '1', '}'}).isEmpty(),
                "invalid UTF-8");
    }

    @Test
    void v1DecodeFrame_survivesHostileNesting() {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        assertTrue(V1Codec.decodeFrame(deep).isEmpty());
        assertTrue(V1Codec.decodeFrame("{\"block\":" + "{\"a\":".repeat(50_000)).isEmpty());
        assertTrue(V1Codec.decodeFrame("\"" + "\\u12".repeat(3)).isEmpty());
    }

    @Test
    void encoders_refuseFramesWithoutAForm() {
        assertThrows(IllegalArgumentException.class, () -> V1Codec.encode(new ServerFrame.Price("EUR", 1)));
        assertThrows(IllegalArgumentException.class, () -> V1Codec.encode(new ServerFrame.Message("Welcome")));
        assertThrows(IllegalArgumentException.class, () -> V1Codec.encode(new ServerFrame.PreciseFee(1.5)));
        assertThrows(IllegalArgumentException.class, () -> V2Codec.encode(new ServerFrame.NoPrice()));
    }
}
