package dev.btclock.core.codec;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The v1 JSON text frames ({@code /ws}, {@code /api/v1/ws}), exactly as the TypeScript server's
 * {@code JSON.stringify} wrote them: no whitespace, integers as bare digits, one datum per frame.
 * Every encoder returns a fresh UTF-8 (ASCII) array that callers may share but must not modify;
 * {@link #decodeFrame} reads such frames back, for device simulators and monitors.
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

    /**
     * Encodes a server frame that has a v1 form: a USD {@link ServerFrame.Price},
     * {@link ServerFrame.NoPrice}, {@link ServerFrame.BlockHeight} or {@link ServerFrame.MedianFee}.
     *
     * @throws IllegalArgumentException for any other frame
     */
    public static byte[] encode(ServerFrame frame) {
        Objects.requireNonNull(frame, "frame");
        if (frame instanceof ServerFrame.Price p && p.currency().equals("USD")) {
            return price(p.price());
        } else if (frame instanceof ServerFrame.NoPrice) {
            return noPrice();
        } else if (frame instanceof ServerFrame.BlockHeight b) {
            return block(b.height());
        } else if (frame instanceof ServerFrame.MedianFee f) {
            return fee(f.fee());
        }
        throw new IllegalArgumentException("no v1 form: " + frame);
    }

    /**
     * Decodes a v1 frame the server sent. Whitespace and key order do not matter; the values must be
     * integers, as the server sends them.
     *
     * @param text the frame's text
     * @return the frame, or empty for text that is not JSON or not one of the four v1 frames
     */
    public static Optional<ServerFrame> decodeFrame(String text) {
        Object value;
        try {
            value = JsonReader.parse(text);
        } catch (JsonReader.Malformed e) {
            return Optional.empty();
        }
        if (!(value instanceof Map<?, ?> frame)) {
            return Optional.empty();
        }
        if (frame.isEmpty()) {
            return Optional.of(new ServerFrame.NoPrice());
        }
        if (frame.size() != 1) {
            return Optional.empty();
        }
        if (frame.get("bitcoin") instanceof Long price) {
            return Optional.of(new ServerFrame.Price("USD", price));
        }
        if (frame.get("block") instanceof Map<?, ?> block && block.size() == 1
                && block.get("height") instanceof Long height) {
            return Optional.of(new ServerFrame.BlockHeight(height));
        }
        if (frame.get("mempool-blocks") instanceof List<?> blocks && blocks.size() == 1
                && blocks.get(0) instanceof Map<?, ?> next && next.size() == 1
                && next.get("medianFee") instanceof Long fee) {
            return Optional.of(new ServerFrame.MedianFee(fee));
        }
        return Optional.empty();
    }

    /** {@link #decodeFrame(String)} for the frame's UTF-8 bytes; invalid UTF-8 decodes as empty. */
    public static Optional<ServerFrame> decodeFrame(byte[] utf8) {
        try {
            String text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(utf8)).toString();
            return decodeFrame(text);
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
