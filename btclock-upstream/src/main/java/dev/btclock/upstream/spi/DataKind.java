package dev.btclock.upstream.spi;

import dev.btclock.core.event.BlockUpdate;
import dev.btclock.core.event.Event;
import dev.btclock.core.event.FeeUpdate;
import dev.btclock.core.event.PriceUpdate;

import java.util.Locale;

/** The three kinds of datum an upstream can provide; failover is decided per kind. */
public enum DataKind {
    /** Exchange prices ({@link PriceUpdate}). */
    PRICE,
    /** Chain tip ({@link BlockUpdate}). */
    BLOCK,
    /** Next-block median fee ({@link FeeUpdate}). */
    FEE;

    /** The kind of an event. */
    public static DataKind of(Event e) {
        if (e instanceof PriceUpdate) {
            return PRICE;
        }
        return e instanceof BlockUpdate ? BLOCK : FEE;
    }

    /** Lower-case name, as used in metric labels and logs. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
