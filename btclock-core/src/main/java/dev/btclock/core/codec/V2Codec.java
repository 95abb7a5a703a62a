package dev.btclock.core.codec;

import dev.btclock.core.codec.V2Request.Action;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessagePacker;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.core.buffer.ArrayBufferOutput;
import org.msgpack.value.ValueType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The v2 MessagePack frames ({@code /api/v2/ws}) as @msgpack/msgpack wrote them for the TypeScript
 * server: a one-entry map per frame, keys as str, integers in the smallest width, {@code blockfee2}
 * as an integer when integral and float64 otherwise, strings never as bin.
 *
 * <p>Encoders return a fresh array that callers may share but must not modify. The decoder never
 * throws and never allocates more than the input's size: whatever is not a well-formed request is
 * reported as empty, to be ignored silently as PROTOCOL.md §2.3 requires.
 */
public final class V2Codec {

    private static final int MAX_ARRAY = 64;

    private V2Codec() {
    }

    /** {@code {"msg":"Welcome"}}, sent on connect. */
    public static byte[] welcome() {
        return msg("Welcome");
    }

    /** {@code {"msg":text}}. */
    public static byte[] msg(String text) {
        return stringEntry("msg", text);
    }

    /** {@code {"error":text}}. */
    public static byte[] error(String text) {
        return stringEntry("error", text);
    }

    /** {@code {"blockheight":H}}. */
    public static byte[] blockheight(long height) {
        return longEntry("blockheight", height);
    }

    /** {@code {"blockfee":R}} with {@code R = Math.round(fee)}. */
    public static byte[] blockfee(long roundedFee) {
        return longEntry("blockfee", roundedFee);
    }

    /** {@code {"blockfee2":F}}: an integer when {@code fee} is integral, else float64. */
    public static byte[] blockfee2(double fee) {
        return encode(p -> {
            p.packMapHeader(1).packString("blockfee2");
            packNumber(p, fee);
        });
    }

    /** {@code {"price":{"C":P}}}. */
    public static byte[] price(String currency, long price) {
        return encode(p -> p.packMapHeader(1).packString("price").packMapHeader(1).packString(currency).packLong(price));
    }

    /**
     * Decodes a client message.
     *
     * @return the request, or empty for anything PROTOCOL.md says to ignore: not a map, no
     *     {@code type} of {@code subscribe}/{@code unsubscribe}, no string {@code eventType},
     *     undecodable, truncated or trailing bytes
     */
    public static Optional<V2Request> decode(byte[] bytes) {
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(bytes)) {
            Optional<V2Request> request = readRequest(u, bytes.length);
            return u.hasNext() ? Optional.empty() : request;
        } catch (IOException | MessagePackException | ArithmeticException e) {
            return Optional.empty();
        }
    }

    private static Optional<V2Request> readRequest(MessageUnpacker u, int length) throws IOException {
        if (u.getNextFormat().getValueType() != ValueType.MAP) {
            u.skipValue();
            return Optional.empty();
        }
        int entries = u.unpackMapHeader();
        checkCount(u, entries, length);
        String type = null;
        String eventType = null;
        Object currency = null;
        boolean currencyGiven = false;
        Object currencies = null;
        for (int i = 0; i < entries; i++) {
            String key = u.getNextFormat().getValueType() == ValueType.STRING ? readString(u, length) : null;
            if (key == null) {
                u.skipValue();
                u.skipValue();
                continue;
            }
            switch (key) {
                case "type" -> type = stringOrNull(u, length);
                case "eventType" -> eventType = stringOrNull(u, length);
                case "currency" -> {
                    currency = readScalar(u, length, 0);
                    currencyGiven = true;
                }
                case "currencies" -> currencies = readScalar(u, length, 0);
                default -> u.skipValue();
            }
        }
        Action action;
        if ("subscribe".equals(type)) {
            action = Action.SUBSCRIBE;
        } else if ("unsubscribe".equals(type)) {
            action = Action.UNSUBSCRIBE;
        } else {
            return Optional.empty();
        }
        if (eventType == null) {
            return Optional.empty();
        }
        List<String> list = null;
        if (currencyGiven && truthy(currency)) {
            list = List.of(render(currency));
        } else if (currencies instanceof List<?> items) {
            list = new ArrayList<>(items.size());
            for (Object item : items) {
                list.add(render(item));
            }
        }
        return Optional.of(new V2Request(action, eventType, list));
    }

    /** Reads a value as a String, Long, Double, Boolean, null, List of those, or MAP_MARKER. */
    private static Object readScalar(MessageUnpacker u, int length, int depth) throws IOException {
        MessageFormat f = u.getNextFormat();
        switch (f.getValueType()) {
            case STRING:
                return readString(u, length);
            case INTEGER:
                if (f == MessageFormat.UINT64) {
                    return (double) u.unpackBigInteger().doubleValue();
                }
                return u.unpackLong();
            case FLOAT:
                return u.unpackDouble();
            case BOOLEAN:
                return u.unpackBoolean();
            case NIL:
                u.unpackNil();
                return null;
            case ARRAY:
                int n = u.unpackArrayHeader();
                checkCount(u, n, length);
                if (n > MAX_ARRAY || depth > 2) {
                    throw new ArithmeticException("array too large or deep");
                }
                List<Object> items = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    items.add(readScalar(u, length, depth + 1));
                }
                return items;
            default:
                u.skipValue();
                return MapMarker.INSTANCE;
        }
    }

    private static String stringOrNull(MessageUnpacker u, int length) throws IOException {
        if (u.getNextFormat().getValueType() == ValueType.STRING) {
            return readString(u, length);
        }
        u.skipValue();
        return null;
    }

    private static String readString(MessageUnpacker u, int length) throws IOException {
        int n = u.unpackRawStringHeader();
        checkCount(u, n, length);
        return new String(u.readPayload(n), StandardCharsets.UTF_8);
    }

    /** A declared element or byte count can never exceed what is left of the input. */
    private static void checkCount(MessageUnpacker u, int count, int length) {
        if (count < 0 || count > length - u.getTotalReadBytes()) {
            throw new ArithmeticException("declared size exceeds input");
        }
    }

    /** JavaScript truthiness of a decoded value. */
    private static boolean truthy(Object v) {
        if (v == null) {
            return false;
        }
        if (v instanceof String s) {
            return !s.isEmpty();
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof Long l) {
            return l != 0;
        }
        if (v instanceof Double d) {
            return d != 0 && !d.isNaN();
        }
        return true;
    }

    /** The value as a JavaScript template literal would print it. */
    private static String render(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof Double d) {
            if (d.isNaN()) {
                return "NaN";
            }
            if (d.isInfinite()) {
                return d > 0 ? "Infinity" : "-Infinity";
            }
            return JsNumbers.format(d);
        }
        if (v instanceof List<?> list) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                Object item = list.get(i);
                if (item != null) {
                    sb.append(render(item));
                }
            }
            return sb.toString();
        }
        return v.toString();
    }

    /** Stands for a decoded map, binary or extension value; prints like a JavaScript object. */
    private enum MapMarker {
        INSTANCE;

        @Override
        public String toString() {
            return "[object Object]";
        }
    }

    private static void packNumber(MessagePacker p, double value) throws IOException {
        if (JsNumbers.isSafeInteger(value)) {
            p.packLong((long) value);
        } else {
            p.packDouble(value);
        }
    }

    private static byte[] stringEntry(String key, String value) {
        return encode(p -> p.packMapHeader(1).packString(key).packString(value));
    }

    private static byte[] longEntry(String key, long value) {
        return encode(p -> p.packMapHeader(1).packString(key).packLong(value));
    }

    @FunctionalInterface
    private interface Body {
        void write(MessagePacker packer) throws IOException;
    }

    private static byte[] encode(Body body) {
        ArrayBufferOutput out = new ArrayBufferOutput(64);
        try (MessagePacker p = MessagePack.newDefaultPacker(out)) {
            body.write(p);
            p.flush();
        } catch (IOException e) {
            throw new CodecException("cannot encode MessagePack frame", e);
        }
        return out.toByteArray();
    }
}
