package dev.btclock.core.event;

import java.time.Instant;
import java.util.Objects;

/**
 * A new chain tip (or a reorg replacement of it).
 *
 * @param height block height
 * @param hash   block hash in RPC display order, or {@code null} when the upstream does not give it
 * @param at     observation time
 * @param source producing driver
 */
public record BlockUpdate(long height, String hash, Instant at, String source) implements Event {
    /** Rejects null time and source. */
    public BlockUpdate {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(source, "source");
    }
}
