package dev.btclock.bus.valkey;

import dev.btclock.core.event.BlockUpdate;
import dev.btclock.core.event.Event;
import dev.btclock.core.event.FeeUpdate;
import dev.btclock.core.event.PriceUpdate;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Events as stream entries and snapshot keys. An entry carries the producing node, its sequence
 * number, and the event's fields as strings: {@code kind} ({@code price}/{@code block}/{@code fee}),
 * {@code ccy}, {@code value}, {@code hash}, {@code at} (epoch ms) and {@code source}.
 * Numbers are written with {@link Double#toString}/{@link Long#toString}, which read back exactly.
 */
final class StreamEntries {

    static final String NODE = "node";
    static final String SEQ = "seq";

    private StreamEntries() {
    }

    /** The entry fields of {@code e} (without node and seq). */
    static Map<String, String> fields(Event e) {
        Map<String, String> f = new LinkedHashMap<>();
        if (e instanceof PriceUpdate p) {
            f.put("kind", "price");
            f.put("ccy", p.currency());
            f.put("value", Double.toString(p.price()));
        } else if (e instanceof BlockUpdate b) {
            f.put("kind", "block");
            f.put("value", Long.toString(b.height()));
            if (b.hash() != null) {
                f.put("hash", b.hash());
            }
        } else if (e instanceof FeeUpdate fee) {
            f.put("kind", "fee");
            f.put("value", Double.toString(fee.medianFee()));
        }
        f.put("at", Long.toString(e.at().toEpochMilli()));
        f.put("source", e.source());
        return f;
    }

    /**
     * The event of an entry.
     *
     * @throws IllegalArgumentException when the entry is not one of ours
     */
    static Event event(Map<String, String> f) {
        String kind = require(f, "kind");
        Instant at = Instant.ofEpochMilli(Long.parseLong(require(f, "at")));
        String source = f.getOrDefault("source", "broker");
        String value = require(f, "value");
        return switch (kind) {
            case "price" -> new PriceUpdate(require(f, "ccy"), Double.parseDouble(value), at, source);
            case "block" -> new BlockUpdate(Long.parseLong(value), f.get("hash"), at, source);
            case "fee" -> new FeeUpdate(Double.parseDouble(value), at, source);
            default -> throw new IllegalArgumentException("unknown kind " + kind);
        };
    }

    /**
     * The snapshot keys and values an event sets, as plain values other tools can read:
     * {@code <prefix>price:<CCY>}, {@code <prefix>height} with {@code <prefix>hash}, {@code <prefix>fee},
     * each with the time of its event in {@code <prefix>at:<key>} (epoch ms), so that a node
     * catching up can tell whether a recorded value is newer than its own.
     */
    static java.util.List<String> snapshot(String prefix, Event e) {
        String at = Long.toString(e.at().toEpochMilli());
        if (e instanceof PriceUpdate p) {
            return java.util.List.of(prefix + "price:" + p.currency(), Double.toString(p.price()),
                    prefix + "at:price:" + p.currency(), at);
        }
        if (e instanceof BlockUpdate b) {
            return java.util.List.of(prefix + "height", Long.toString(b.height()), prefix + "hash", b.hash() == null ? "" : b.hash(),
                    prefix + "at:height", at);
        }
        return java.util.List.of(prefix + "fee", Double.toString(((FeeUpdate) e).medianFee()), prefix + "at:fee", at);
    }

    /** {@code e} as a catch-up copy for the fleet: same value and time, source {@code resync}. */
    static Event resync(Event e) {
        if (e instanceof PriceUpdate p) {
            return new PriceUpdate(p.currency(), p.price(), p.at(), dev.btclock.bus.spi.EventBus.RESYNC_SOURCE);
        }
        if (e instanceof BlockUpdate b) {
            return new BlockUpdate(b.height(), b.hash(), b.at(), dev.btclock.bus.spi.EventBus.RESYNC_SOURCE);
        }
        FeeUpdate f = (FeeUpdate) e;
        return new FeeUpdate(f.medianFee(), f.at(), dev.btclock.bus.spi.EventBus.RESYNC_SOURCE);
    }

    /** The datum an event sets ({@code price:USD}, {@code block}, {@code fee}): the key of a node's latest values. */
    static String datum(Event e) {
        if (e instanceof PriceUpdate p) {
            return "price:" + p.currency();
        }
        return e instanceof BlockUpdate ? "block" : "fee";
    }

    private static String require(Map<String, String> f, String name) {
        String v = f.get(name);
        if (v == null) {
            throw new IllegalArgumentException("entry without " + name);
        }
        return v;
    }
}
