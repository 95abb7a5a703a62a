package dev.btclock.core.state;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * An immutable view of the latest values, safe to read from any thread.
 *
 * @param prices rounded prices by currency, USD first, then in the order currencies first got a price
 * @param height latest block height, or {@code -1} before the first block
 * @param hash   hash of that block, or {@code null}
 * @param fee    stored median fee, or {@code NaN} before the first fee
 */
public record Snapshot(Map<String, Long> prices, long height, String hash, double fee) {

    /** The snapshot before any data arrived. */
    public static final Snapshot EMPTY = new Snapshot(Map.of(), -1, null, Double.NaN);

    /** Copies the price map, keeping its order. */
    public Snapshot {
        prices = Collections.unmodifiableMap(new LinkedHashMap<>(prices));
    }

    /** The rounded price of {@code currency}, if one was emitted. */
    public OptionalLong price(String currency) {
        Long p = prices.get(currency);
        return p == null ? OptionalLong.empty() : OptionalLong.of(p);
    }

    /** The latest block height, if a block arrived. */
    public OptionalLong blockHeight() {
        return height < 0 ? OptionalLong.empty() : OptionalLong.of(height);
    }

    /** The stored median fee, if a fee arrived. */
    public OptionalDouble medianFee() {
        return Double.isNaN(fee) ? OptionalDouble.empty() : OptionalDouble.of(fee);
    }

    /** {@code Math.round} of the stored fee (the v1 and {@code blockfee} value), if a fee arrived. */
    public OptionalLong roundedFee() {
        return Double.isNaN(fee) ? OptionalLong.empty() : OptionalLong.of(Math.round(fee));
    }
}
