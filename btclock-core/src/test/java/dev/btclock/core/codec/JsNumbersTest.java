package dev.btclock.core.codec;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class JsNumbersTest {

    @Test
    void integralValues_haveNoFraction() {
        assertEquals("13", JsNumbers.format(13.0));
        assertEquals("0", JsNumbers.format(-0.0));
        assertEquals("870124", JsNumbers.format(870124));
    }

    @Test
    void fractions_useShortestDigits() {
        assertEquals("9.88", JsNumbers.format(9.88));
        assertEquals("12.5", JsNumbers.format(12.5));
        assertEquals("0.5", JsNumbers.format(0.5));
        assertEquals("12.345678", JsNumbers.format(12.345678));
    }

    @Test
    void neverExponentNotation() {
        assertEquals("0.0001", JsNumbers.format(0.0001));
        assertEquals("12345678.5", JsNumbers.format(12345678.5));
    }

    @Test
    void nonFinite_isRejected() {
        assertThrows(IllegalArgumentException.class, () -> JsNumbers.format(Double.NaN));
    }
}
