package dev.btclock.core.codec;

import java.nio.charset.StandardCharsets;

/**
 * The v1 JSON text frames ({@code /ws}, {@code /api/v1/ws}), exactly as the TypeScript server's
 * {@code JSON.stringify} wrote them: no whitespace, integers as bare digits, one datum per frame.
 * Every method returns a fresh UTF-8 (ASCII) array that callers may share but must not modify.
 */
public final class V1Codec {

    private static final byte[] EMPTY = "{}".getBytes(StandardCharsets.US_ASCII);

    private V1Codec() {
    }

    /** {@code {"bitcoin":P}}: the USD price. */
    public static byte[] price(long usd) {
        return ascii("{\"bitcoin\":" + usd + "}");
    }

    /** {@code {}}: what a connecting client gets instead of a price before the first USD price. */
    public static byte[] noPrice() {
        return EMPTY.clone();
    }

    /** {@code {"block":{"height":H}}}. */
    public static byte[] block(long height) {
        return ascii("{\"block\":{\"height\":" + height + "}}");
    }

    /** {@code {"mempool-blocks":[{"medianFee":R}]}} with {@code R = Math.round(fee)}. */
    public static byte[] fee(long roundedFee) {
        return ascii("{\"mempool-blocks\":[{\"medianFee\":" + roundedFee + "}]}");
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
