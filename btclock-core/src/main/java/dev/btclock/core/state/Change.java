package dev.btclock.core.state;

/**
 * What actually changed after {@link MarketState#apply} applied an event's rounding and dedup
 * rules: exactly the information the wire publishers need to decide which frames to send.
 */
public sealed interface Change permits Change.Price, Change.Block, Change.Fee {

    /**
     * A currency's price was emitted (it moved by more than the dedup threshold).
     *
     * @param currency three-letter upper-case code
     * @param price    the rounded price that devices receive
     */
    record Price(String currency, long price) implements Change { }

    /**
     * A new tip, or a reorg replacement at the same or a lower height.
     *
     * @param height block height
     * @param hash   block hash, or {@code null} when the upstream did not give one
     */
    record Block(long height, String hash) implements Change { }

    /**
     * The stored median fee changed.
     *
     * @param fee            the new stored fee (an integer when the upstream value was {@code >= 10},
     *                       else at most two decimals); v2 {@code blockfee2} sends it on every change
     * @param rounded        {@code Math.round(fee)}, the value of v1 {@code medianFee} and v2 {@code blockfee}
     * @param roundedChanged whether {@code rounded} differs from the last rounded value sent; v1 and
     *                       {@code blockfee} frames go out only when it does
     */
    record Fee(double fee, long rounded, boolean roundedChanged) implements Change { }
}
