package dev.btclock.core.event;

import java.time.Instant;
import java.util.Objects;

/**
 * The price of one bitcoin in a fiat currency, as the upstream reported it (not yet rounded).
 *
 * @param currency ISO 4217 code as the upstream spells it, e.g. {@code USD}
 * @param price    price in whole currency units; values {@code <= 0} mean "unknown" and are ignored
 * @param at       observation time
 * @param source   producing driver
 */
public record PriceUpdate(String currency, double price, Instant at, String source) implements Event {
    /** Rejects null fields. */
    public PriceUpdate {
        Objects.requireNonNull(currency, "currency");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(source, "source");
    }
}
