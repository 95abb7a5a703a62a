package dev.btclock.core.event;

import java.time.Instant;

/**
 * One observation from an upstream: a price, a block or a median fee. Events carry the upstream's
 * raw value; rounding and dedup happen once, in {@link dev.btclock.core.state.MarketState}.
 *
 * <p>Implementations are immutable records and safe to share between threads.
 */
public sealed interface Event permits PriceUpdate, BlockUpdate, FeeUpdate {

    /** When the upstream produced (or the driver received) this value. */
    Instant at();

    /** The name of the driver that produced this event, e.g. {@code mempool-ws}. */
    String source();
}
