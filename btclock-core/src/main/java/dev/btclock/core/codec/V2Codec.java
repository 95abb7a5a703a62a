package dev.btclock.core.codec;

import dev.btclock.core.codec.MsgPackReader.Malformed;
import dev.btclock.core.codec.MsgPackReader.Type;
import dev.btclock.core.codec.V2Request.Action;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The v2 MessagePack frames ({@code /api/v2/ws}) as @msgpack/msgpack wrote them for the TypeScript
 * server: a one-entry map per frame, keys as str, integers in the smallest width, {@code blockfee2}
 * as an integer when integral and float64 otherwise, strings never as bin. Both directions: the
 * server's frames and the clients' requests can each be encoded and decoded.
 *
 * <p>Encoders return a fresh array that callers may share but must not modify. The decoders never
 * throw and never allocate more than the input's size: whatever is not a well-formed frame or
 * request is reported as empty (a server ignores such requests silently, docs/protocol.md §2.3).
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
        return new MsgPackWriter(16).mapHeader(1).string("blockfee2").number(fee).toByteArray();
    }

    /** {@code {"price":{"C":P}}}. */
    public static byte[] price(String currency, long price) {
        return new MsgPackWriter(24).mapHeader(1).string("price").mapHeader(1).string(currency).integer(price)
                .toByteArray();
    }

    /**
     * Encodes any server frame; {@link ServerFrame.NoPrice} has no v2 form.
     *
     * @throws IllegalArgumentException for {@link ServerFrame.NoPrice}
     */
    public static byte[] encode(ServerFrame frame) {
        Objects.requireNonNull(frame, "frame");
        if (frame instanceof ServerFrame.Price p) {
            return price(p.currency(), p.price());
        } else if (frame instanceof ServerFrame.BlockHeight b) {
            return blockheight(b.height());
        } else if (frame instanceof ServerFrame.MedianFee f) {
            return blockfee(f.fee());
        } else if (frame instanceof ServerFrame.PreciseFee f) {
            return blockfee2(f.fee());
        } else if (frame instanceof ServerFrame.Message m) {
            return msg(m.text());
        } else if (frame instanceof ServerFrame.ErrorMessage e) {
            return error(e.text());
        }
        throw new IllegalArgumentException("no v2 form: " + frame);
    }

    /**
     * Decodes a frame the server sent: a one-entry map whose key names the frame, as
     * {@link ServerFrame} lists them.
     *
     * @return the frame, or empty for anything else (unknown key, wrong value type, more than one
     *     entry, malformed, truncated or trailing bytes)
     */
    public static Optional<ServerFrame> decodeFrame(byte[] bytes) {
        try {
            MsgPackReader r = new MsgPackReader(bytes);
            if (r.nextType() != Type.MAP || r.readMapHeader() != 1 || r.nextType() != Type.STRING) {
                return Optional.empty();
            }
            ServerFrame frame = switch (r.readString()) {
                case "msg" -> new ServerFrame.Message(r.readString());
                case "error" -> new ServerFrame.ErrorMessage(r.readString());
                case "blockheight" -> new ServerFrame.BlockHeight(r.readLong());
                case "blockfee" -> new ServerFrame.MedianFee(r.readLong());
                case "blockfee2" -> new ServerFrame.PreciseFee(
                        r.nextType() == Type.FLOAT ? r.readFloat() : r.readIntegerAsDouble());
                case "price" -> {
                    if (r.readMapHeader() != 1) {
                        yield null;
                    }
                    yield new ServerFrame.Price(r.readString(), r.readLong());
                }
                default -> null;
            };
            return frame == null || r.hasNext() ? Optional.empty() : Optional.of(frame);
        } catch (Malformed e) {
            return Optional.empty();
        }
    }

    /**
     * Encodes a client request as the firmware does: {@code type}, {@code eventType}, then
     * {@code currencies} as an array when the request names currencies (vectors #9, #11, #13, #16).
     */
    public static byte[] request(V2Request request) {
        Objects.requireNonNull(request, "request");
        List<String> currencies = request.currencies();
        MsgPackWriter w = new MsgPackWriter(64).mapHeader(currencies == null ? 2 : 3);
        typeAndEvent(w, request.action(), request.eventType());
        if (currencies != null) {
            w.string("currencies").arrayHeader(currencies.size());
            for (String c : currencies) {
                w.string(c);
            }
        }
        return w.toByteArray();
    }

    /**
     * Encodes a request for one currency in the firmware's single-currency form:
     * {@code {"type":…,"eventType":…,"currency":C}} (vectors #15, #25, #29).
     */
    public static byte[] request(Action action, String eventType, String currency) {
        Objects.requireNonNull(currency, "currency");
        MsgPackWriter w = new MsgPackWriter(64).mapHeader(3);
        typeAndEvent(w, action, eventType);
        return w.string("currency").string(currency).toByteArray();
    }

    private static void typeAndEvent(MsgPackWriter w, Action action, String eventType) {
        w.string("type").string(action == Action.SUBSCRIBE ? "subscribe" : "unsubscribe")
                .string("eventType").string(Objects.requireNonNull(eventType, "eventType"));
    }

    /**
     * Decodes a client message.
     *
     * @return the request, or empty for anything docs/protocol.md §2.3 says to ignore: not a map, no
     *     {@code type} of {@code subscribe}/{@code unsubscribe}, no string {@code eventType},
     *     undecodable, truncated or trailing bytes
     */
    public static Optional<V2Request> decode(byte[] bytes) {
        try {
            MsgPackReader r = new MsgPackReader(bytes);
            Optional<V2Request> request = readRequest(r);
            return r.hasNext() ? Optional.empty() : request;
        } catch (Malformed e) {
            return Optional.empty();
        }
    }

    private static Optional<V2Request> readRequest(MsgPackReader r) {
        if (r.nextType() != Type.MAP) {
            r.skipValue();
            return Optional.empty();
        }
        int entries = r.readMapHeader();
        String type = null;
        String eventType = null;
        Object currency = null;
        boolean currencyGiven = false;
        Object currencies = null;
        for (int i = 0; i < entries; i++) {
            if (r.nextType() != Type.STRING) {
                r.skipValue();
                r.skipValue();
                continue;
            }
            switch (r.readString()) {
                case "type" -> type = stringOrNull(r);
                case "eventType" -> eventType = stringOrNull(r);
                case "currency" -> {
                    currency = readScalar(r, 0);
                    currencyGiven = true;
                }
                case "currencies" -> currencies = readScalar(r, 0);
                default -> r.skipValue();
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
    private static Object readScalar(MsgPackReader r, int depth) {
        switch (r.nextType()) {
            case STRING:
                return r.readString();
            case INTEGER:
                return r.nextIsUint64() ? (Object) r.readIntegerAsDouble() : (Object) r.readLong();
            case FLOAT:
                return r.readFloat();
            case BOOLEAN:
                return r.readBoolean();
            case NIL:
                r.readNil();
                return null;
            case ARRAY:
                int n = r.readArrayHeader();
                if (n > MAX_ARRAY || depth > 2) {
                    throw new Malformed("array too large or deep");
                }
                List<Object> items = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    items.add(readScalar(r, depth + 1));
                }
                return items;
            default:
                r.skipValue();
                return MapMarker.INSTANCE;
        }
    }

    private static String stringOrNull(MsgPackReader r) {
        if (r.nextType() == Type.STRING) {
            return r.readString();
        }
        r.skipValue();
        return null;
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

    private static byte[] stringEntry(String key, String value) {
        return new MsgPackWriter(key.length() + value.length() + 8).mapHeader(1).string(key).string(value).toByteArray();
    }

    private static byte[] longEntry(String key, long value) {
        return new MsgPackWriter(key.length() + 12).mapHeader(1).string(key).integer(value).toByteArray();
    }
}
