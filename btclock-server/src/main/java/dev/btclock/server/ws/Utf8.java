package dev.btclock.server.ws;

/**
 * Incremental UTF-8 validation (RFC 3629): bytes are fed one at a time, in as many pieces as
 * they arrive, and the first byte that cannot continue a well-formed sequence is rejected at once
 * (overlong forms, UTF-16 surrogates, code points above U+10FFFF, stray continuation bytes).
 *
 * <p>The state is one {@code int}: {@link #ACCEPT} between code points, {@link #REJECT} after an
 * error, otherwise the number of continuation bytes still expected and the range the next one
 * must fall in.
 */
final class Utf8 {

    /** Between code points: everything so far is valid and complete. */
    static final int ACCEPT = 0;
    /** Not UTF-8; stays so. */
    static final int REJECT = -1;

    private static final int CONTINUATION = range(0x80, 0xBF);

    private Utf8() {
    }

    /** The state after byte {@code b} (0–255) in state {@code state}. */
    static int next(int state, int b) {
        if (state == ACCEPT) {
            if (b < 0x80) {
                return ACCEPT;
            }
            if (b < 0xC2) {
                return REJECT; // a continuation byte without a start, or an overlong two-byte form
            }
            if (b < 0xE0) {
                return 1 | CONTINUATION;
            }
            if (b == 0xE0) {
                return 2 | range(0xA0, 0xBF); // not overlong
            }
            if (b == 0xED) {
                return 2 | range(0x80, 0x9F); // no surrogates
            }
            if (b < 0xF0) {
                return 2 | CONTINUATION;
            }
            if (b == 0xF0) {
                return 3 | range(0x90, 0xBF); // not overlong
            }
            if (b < 0xF4) {
                return 3 | CONTINUATION;
            }
            if (b == 0xF4) {
                return 3 | range(0x80, 0x8F); // not above U+10FFFF
            }
            return REJECT;
        }
        if (state == REJECT || b < ((state >> 8) & 0xff) || b > ((state >> 16) & 0xff)) {
            return REJECT;
        }
        int need = (state & 0xff) - 1;
        return need == 0 ? ACCEPT : need | CONTINUATION;
    }

    /** The state after {@code length} bytes of {@code bytes} from {@code offset}. */
    static int next(int state, byte[] bytes, int offset, int length) {
        int s = state;
        for (int i = offset, end = offset + length; i < end && s != REJECT; i++) {
            int b = bytes[i] & 0xff;
            s = s == ACCEPT && b < 0x80 ? ACCEPT : next(s, b);
        }
        return s;
    }

    /** Whether {@code bytes} are well-formed UTF-8 as a whole. */
    static boolean isValid(byte[] bytes, int offset, int length) {
        return next(ACCEPT, bytes, offset, length) == ACCEPT;
    }

    private static int range(int lowest, int highest) {
        return (lowest << 8) | (highest << 16);
    }
}
