package dev.btclock.core.codec;

import java.util.Objects;

/**
 * One frame the server sends to a device, as a value: what {@link V1Codec#decodeFrame} and
 * {@link V2Codec#decodeFrame} return and what {@link V1Codec#encode} and {@link V2Codec#encode}
 * write. For device simulators, monitors and tests built on this library.
 *
 * <p>Which frames exist on which protocol:
 * <table>
 *   <caption>Frames per protocol</caption>
 *   <tr><th>frame</th><th>v1 JSON</th><th>v2 MessagePack</th></tr>
 *   <tr><td>{@link Price}</td><td>{@code {"bitcoin":P}} (USD only)</td><td>{@code {"price":{"C":P}}}</td></tr>
 *   <tr><td>{@link NoPrice}</td><td>{@code {}}</td><td>-</td></tr>
 *   <tr><td>{@link BlockHeight}</td><td>{@code {"block":{"height":H}}}</td><td>{@code {"blockheight":H}}</td></tr>
 *   <tr><td>{@link MedianFee}</td><td>{@code {"mempool-blocks":[{"medianFee":R}]}}</td><td>{@code {"blockfee":R}}</td></tr>
 *   <tr><td>{@link PreciseFee}</td><td>-</td><td>{@code {"blockfee2":F}}</td></tr>
 *   <tr><td>{@link Message}</td><td>-</td><td>{@code {"msg":T}}</td></tr>
 *   <tr><td>{@link ErrorMessage}</td><td>-</td><td>{@code {"error":T}}</td></tr>
 * </table>
 */
public sealed interface ServerFrame {

    /**
     * A price in whole units of {@code currency}.
     *
     * @param currency three-letter code as the server names it ({@code USD}, {@code EUR}, …)
     * @param price    the price, rounded as the server rounds it
     */
    record Price(String currency, long price) implements ServerFrame {
        /** Checks the currency is given. */
        public Price {
            Objects.requireNonNull(currency, "currency");
        }
    }

    /** v1's {@code {}}: sent on connect instead of a price while the server has no USD price. */
    record NoPrice() implements ServerFrame {
    }

    /**
     * The height of the newest block.
     *
     * @param height block height
     */
    record BlockHeight(long height) implements ServerFrame {
    }

    /**
     * The next block's median fee rounded to whole sat/vB (v1 {@code medianFee}, v2 {@code blockfee}).
     *
     * @param fee rounded median fee in sat/vB
     */
    record MedianFee(long fee) implements ServerFrame {
    }

    /**
     * The next block's median fee unrounded (v2 {@code blockfee2}).
     *
     * @param fee median fee in sat/vB
     */
    record PreciseFee(double fee) implements ServerFrame {
    }

    /**
     * A v2 {@code {"msg":…}}: {@code Welcome} on connect, subscription acknowledgements.
     *
     * @param text the message
     */
    record Message(String text) implements ServerFrame {
        /** Checks the text is given. */
        public Message {
            Objects.requireNonNull(text, "text");
        }
    }

    /**
     * A v2 {@code {"error":…}}: the answer to a subscription to an unknown currency.
     *
     * @param text the error
     */
    record ErrorMessage(String text) implements ServerFrame {
        /** Checks the text is given. */
        public ErrorMessage {
            Objects.requireNonNull(text, "text");
        }
    }
}
