package dev.btclock.nostr;

import java.io.ByteArrayOutputStream;
import java.util.Locale;

/**
 * BIP-173 bech32 (not bech32m), as NIP-19 uses it for {@code nsec} and {@code npub}: the checksum
 * must verify, mixed case is refused, and the 5-to-8-bit regrouping must end in at most four
 * zero padding bits.
 */
public final class Bech32 {

    private static final String CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    private static final int[] GENERATOR = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};

    /** A decoded string: its human-readable part and data bytes. */
    public record Decoded(String hrp, byte[] data) {
    }

    private Bech32() {
    }

    /**
     * Decodes {@code s}.
     *
     * @throws IllegalArgumentException naming what is wrong (never echoing the input, which may be a secret)
     */
    public static Decoded decode(String s) {
        if (s.length() < 8 || s.length() > 5000) {
            throw new IllegalArgumentException("bech32: bad length");
        }
        boolean lower = !s.equals(s.toUpperCase(Locale.ROOT));
        boolean upper = !s.equals(s.toLowerCase(Locale.ROOT));
        if (lower && upper) {
            throw new IllegalArgumentException("bech32: mixed case");
        }
        String str = s.toLowerCase(Locale.ROOT);
        int sep = str.lastIndexOf('1');
        if (sep < 1 || sep + 7 > str.length()) {
            throw new IllegalArgumentException("bech32: no separator or checksum");
        }
        String hrp = str.substring(0, sep);
        for (char c : hrp.toCharArray()) {
            if (c < 33 || c > 126) {
                throw new IllegalArgumentException("bech32: bad character in prefix");
            }
        }
        int[] values = new int[str.length() - sep - 1];
        for (int i = 0; i < values.length; i++) {
            int v = CHARSET.indexOf(str.charAt(sep + 1 + i));
            if (v < 0) {
                throw new IllegalArgumentException("bech32: bad character");
            }
            values[i] = v;
        }
        if (polymod(hrp, values, values.length) != 1) {
            throw new IllegalArgumentException("bech32: bad checksum");
        }
        return new Decoded(hrp, regroup(values, values.length - 6, 5, 8, false));
    }

    /** Encodes {@code data} under {@code hrp} (lower case). */
    public static String encode(String hrp, byte[] data) {
        int[] bytes = new int[data.length];
        for (int i = 0; i < data.length; i++) {
            bytes[i] = data[i] & 0xff;
        }
        byte[] five = regroup(bytes, bytes.length, 8, 5, true);
        int[] values = new int[five.length + 6];
        for (int i = 0; i < five.length; i++) {
            values[i] = five[i];
        }
        int mod = polymod(hrp, values, values.length) ^ 1;
        for (int i = 0; i < 6; i++) {
            values[five.length + i] = (mod >>> (5 * (5 - i))) & 31;
        }
        StringBuilder sb = new StringBuilder(hrp).append('1');
        for (int v : values) {
            sb.append(CHARSET.charAt(v));
        }
        return sb.toString();
    }

    private static int polymod(String hrp, int[] values, int n) {
        int chk = 1;
        for (int i = 0; i < hrp.length(); i++) {
            chk = step(chk, hrp.charAt(i) >> 5);
        }
        chk = step(chk, 0);
        for (int i = 0; i < hrp.length(); i++) {
            chk = step(chk, hrp.charAt(i) & 31);
        }
        for (int i = 0; i < n; i++) {
            chk = step(chk, values[i]);
        }
        return chk;
    }

    private static int step(int chk, int value) {
        int top = chk >>> 25;
        chk = (chk & 0x1ffffff) << 5 ^ value;
        for (int i = 0; i < 5; i++) {
            if ((top >>> i & 1) != 0) {
                chk ^= GENERATOR[i];
            }
        }
        return chk;
    }

    private static byte[] regroup(int[] in, int n, int from, int to, boolean pad) {
        int acc = 0;
        int bits = 0;
        int max = (1 << to) - 1;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            acc = acc << from | in[i];
            bits += from;
            while (bits >= to) {
                bits -= to;
                out.write(acc >>> bits & max);
            }
        }
        if (pad) {
            if (bits > 0) {
                out.write(acc << (to - bits) & max);
            }
        } else if (bits >= from || (acc << (to - bits) & max) != 0) {
            throw new IllegalArgumentException("bech32: bad padding");
        }
        return out.toByteArray();
    }
}
