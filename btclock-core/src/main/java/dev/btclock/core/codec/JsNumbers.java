package dev.btclock.core.codec;

import java.math.BigDecimal;

/** Number text as JavaScript prints it, for the values this protocol carries. */
public final class JsNumbers {

    private static final double MAX_SAFE_INTEGER = 9007199254740991d;

    private JsNumbers() {
    }

    /**
     * Formats {@code value} like JavaScript's {@code String(value)} for every value the protocol
     * produces: integral values without a fraction ({@code 13}, not {@code 13.0}), others with the
     * shortest round-trip digits ({@code 9.88}, {@code 12.345678}), never in exponent notation.
     *
     * @throws IllegalArgumentException for NaN and infinities, which have no JSON form
     */
    public static String format(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("not a finite number: " + value);
        }
        if (value == Math.rint(value) && Math.abs(value) <= MAX_SAFE_INTEGER) {
            return Long.toString((long) value);
        }
        return new BigDecimal(Double.toString(value)).stripTrailingZeros().toPlainString();
    }

    /** Whether MessagePack (and @msgpack/msgpack) would encode {@code value} as an integer. */
    public static boolean isSafeInteger(double value) {
        return value == Math.rint(value) && Math.abs(value) <= MAX_SAFE_INTEGER;
    }
}
