package dev.btclock.core.event;

import java.time.Instant;
import java.util.Objects;

/**
 * The median fee rate of the next projected block, unrounded, as the upstream computed it.
 *
 * @param medianFee sat/vB
 * @param at        observation time
 * @param source    producing driver
 */
public record FeeUpdate(double medianFee, Instant at, String source) implements Event {
    /** Rejects null time and source. */
    public FeeUpdate {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(source, "source");
    }
}
