package dev.btclock.server;

import dev.btclock.bus.spi.EventBus;
import dev.btclock.core.event.BlockUpdate;
import dev.btclock.core.event.Event;
import dev.btclock.core.event.PriceUpdate;
import dev.btclock.core.state.Snapshot;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Keeps values from going backwards when a node catches up with its fleet ({@link EventBus#isCatchUp}):
 * after an outage of the broker, the fleet's record of the current values, or what a new leader
 * publishes again, can be older than what this node served meanwhile from its own upstream. A
 * catch-up value is applied only when it is newer (by the time its upstream event was received)
 * than the value held for the same datum, and a catch-up height never lowers the current height.
 * Live events always pass: a reorg is reported as one.
 *
 * <p>Not thread-safe: the bus delivers to its subscriber one event at a time.
 */
final class CatchUpGuard {

    private final Map<String, Instant> latest = new HashMap<>();

    /** Whether {@code e} should be applied to a state whose values are {@code current}. */
    boolean admit(Event e, Snapshot current) {
        String datum = e instanceof PriceUpdate p ? "price:" + p.currency() : e instanceof BlockUpdate ? "block" : "fee";
        Instant held = latest.get(datum);
        if (EventBus.isCatchUp(e)) {
            if (held != null && !e.at().isAfter(held)) {
                return false;
            }
            if (e instanceof BlockUpdate b && current.blockHeight().isPresent() && b.height() < current.height()) {
                return false;
            }
        }
        if (held == null || e.at().isAfter(held)) {
            latest.put(datum, e.at());
        }
        return true;
    }
}
