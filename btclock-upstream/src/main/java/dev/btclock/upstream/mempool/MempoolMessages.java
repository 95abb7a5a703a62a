package dev.btclock.upstream.mempool;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.btclock.core.event.BlockUpdate;
import dev.btclock.core.event.Event;
import dev.btclock.core.event.FeeUpdate;
import dev.btclock.core.event.PriceUpdate;
import dev.btclock.core.state.MarketState;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns mempool WebSocket frames and REST bodies into events, defensively (docs/upstreams.md §1):
 * {@code block} and {@code mempool-blocks} in one frame both count; an empty {@code mempool-blocks}
 * is ignored; {@code blocks} lists (up to 32 after a reorg) give their highest block; unknown keys
 * are ignored; {@code conversions} keeps only three-letter codes with a numeric value, and a value of
 * zero or below ({@code -1}: mempool does not know the price now) becomes a price of {@code -1},
 * which market state ignores and a price median reads as "this source no longer knows". Stateless
 * and thread-safe.
 */
public final class MempoolMessages {

    private final String source;

    /** Parser whose events name {@code source}. */
    public MempoolMessages(String source) {
        this.source = source;
    }

    /**
     * Every event in one WebSocket frame, in the order block, fee, prices.
     *
     * @throws MalformedUpstreamData when the frame is not a JSON object or a known key has the wrong shape
     */
    public List<Event> frame(String json, Instant now) {
        JsonObject root = object(parse(json), "frame");
        List<Event> events = new ArrayList<>(4);
        if (root.has("block")) {
            events.add(block(object(root.get("block"), "block"), now));
        } else if (root.has("blocks")) {
            JsonArray blocks = array(root.get("blocks"), "blocks");
            JsonObject tip = null;
            for (JsonElement e : blocks) {
                JsonObject b = object(e, "blocks[]");
                if (tip == null || height(b) >= height(tip)) {
                    tip = b;
                }
            }
            if (tip != null) {
                events.add(block(tip, now));
            }
        }
        if (root.has("mempool-blocks")) {
            fee(array(root.get("mempool-blocks"), "mempool-blocks"), now).ifPresent(events::add);
        }
        if (root.has("conversions")) {
            events.addAll(prices(object(root.get("conversions"), "conversions"), now));
        }
        return events;
    }

    /** The fee of {@code GET /api/v1/fees/mempool-blocks}; empty for {@code []}. */
    public java.util.Optional<Event> mempoolBlocks(String json, Instant now) {
        return fee(array(parse(json), "mempool-blocks"), now);
    }

    /** The prices of {@code GET /api/v1/prices}. */
    public List<Event> prices(String json, Instant now) {
        return prices(object(parse(json), "prices"), now);
    }

    /** The height of {@code GET /api/blocks/tip/height} (a bare integer). */
    public Event tipHeight(String body, Instant now) {
        try {
            long h = Long.parseLong(body.trim());
            if (h < 0) {
                throw new MalformedUpstreamData("negative tip height: " + h);
            }
            return new BlockUpdate(h, null, now, source);
        } catch (NumberFormatException e) {
            throw new MalformedUpstreamData("tip height is not an integer: " + abbreviate(body));
        }
    }

    private java.util.Optional<Event> fee(JsonArray blocks, Instant now) {
        if (blocks.isEmpty()) {
            return java.util.Optional.empty();
        }
        JsonObject next = object(blocks.get(0), "mempool-blocks[0]");
        double fee = number(next.get("medianFee"), "medianFee");
        return java.util.Optional.of(new FeeUpdate(fee, now, source));
    }

    private List<Event> prices(JsonObject conversions, Instant now) {
        List<Event> events = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : conversions.entrySet()) {
            if (!MarketState.isCurrencyCode(e.getKey())) {
                continue;
            }
            JsonElement v = e.getValue();
            if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()) {
                double price = v.getAsDouble();
                if (price > 0 && !Double.isInfinite(price)) {
                    events.add(new PriceUpdate(e.getKey(), price, now, source));
                } else if (price <= 0) {
                    events.add(new PriceUpdate(e.getKey(), -1, now, source));
                }
            }
        }
        return events;
    }

    private Event block(JsonObject b, Instant now) {
        String id = b.has("id") && b.get("id").isJsonPrimitive() ? b.get("id").getAsString() : null;
        return new BlockUpdate(height(b), id, now, source);
    }

    private static long height(JsonObject b) {
        double h = number(b.get("height"), "height");
        if (h < 0 || h != Math.rint(h)) {
            throw new MalformedUpstreamData("height is not a whole number: " + h);
        }
        return (long) h;
    }

    private static JsonElement parse(String json) {
        try {
            return JsonParser.parseString(json);
        } catch (JsonParseException e) {
            throw new MalformedUpstreamData("not JSON: " + abbreviate(json));
        }
    }

    private static double number(JsonElement e, String what) {
        if (e instanceof JsonPrimitive p && p.isNumber()) {
            return p.getAsDouble();
        }
        throw new MalformedUpstreamData(what + " is not a number: " + e);
    }

    private static JsonObject object(JsonElement e, String what) {
        if (e instanceof JsonObject o) {
            return o;
        }
        throw new MalformedUpstreamData(what + " is not an object");
    }

    private static JsonArray array(JsonElement e, String what) {
        if (e instanceof JsonArray a) {
            return a;
        }
        throw new MalformedUpstreamData(what + " is not an array");
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "…";
    }
}
