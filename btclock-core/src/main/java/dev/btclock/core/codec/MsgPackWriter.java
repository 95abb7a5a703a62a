package dev.btclock.core.codec;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes the MessagePack subset of the v2 protocol the way @msgpack/msgpack (the TypeScript
 * server's encoder) and msgpack-java do: every header and integer in its smallest form, strings as
 * {@code str} (never {@code bin}), non-integral numbers as float64.
 */
final class MsgPackWriter {

    private byte[] buf;
    private int len;

    MsgPackWriter(int capacity) {
        buf = new byte[Math.max(capacity, 16)];
    }

    MsgPackWriter mapHeader(int entries) {
        return header(entries, 0x80, 0xde);
    }

    MsgPackWriter arrayHeader(int items) {
        return header(items, 0x90, 0xdc);
    }

    private MsgPackWriter header(int n, int fix, int head16) {
        if (n < 0) {
            throw new IllegalArgumentException("negative size " + n);
        }
        if (n < 16) {
            put(fix | n);
        } else if (n < 0x10000) {
            put(head16);
            put16(n);
        } else {
            put(head16 + 1);
            put32(n);
        }
        return this;
    }

    MsgPackWriter string(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        int n = utf8.length;
        if (n < 32) {
            put(0xa0 | n);
        } else if (n < 0x100) {
            put(0xd9);
            put(n);
        } else if (n < 0x10000) {
            put(0xda);
            put16(n);
        } else {
            put(0xdb);
            put32(n);
        }
        ensure(n);
        System.arraycopy(utf8, 0, buf, len, n);
        len += n;
        return this;
    }

    MsgPackWriter integer(long v) {
        if (v >= 0) {
            if (v < 0x80) {
                put((int) v);
            } else if (v < 0x100) {
                put(0xcc);
                put((int) v);
            } else if (v < 0x10000) {
                put(0xcd);
                put16((int) v);
            } else if (v < 0x1_0000_0000L) {
                put(0xce);
                put32((int) v);
            } else {
                put(0xcf);
                put64(v);
            }
        } else if (v >= -32) {
            put((int) v & 0xff);
        } else if (v >= Byte.MIN_VALUE) {
            put(0xd0);
            put((int) v & 0xff);
        } else if (v >= Short.MIN_VALUE) {
            put(0xd1);
            put16((int) v);
        } else if (v >= Integer.MIN_VALUE) {
            put(0xd2);
            put32((int) v);
        } else {
            put(0xd3);
            put64(v);
        }
        return this;
    }

    /** An integer when {@code v} is a safe integer (as JavaScript's encoder decides), else float64. */
    MsgPackWriter number(double v) {
        return JsNumbers.isSafeInteger(v) ? integer((long) v) : float64(v);
    }

    MsgPackWriter float64(double v) {
        put(0xcb);
        put64(Double.doubleToRawLongBits(v));
        return this;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }

    private void put(int b) {
        ensure(1);
        buf[len++] = (byte) b;
    }

    private void put16(int v) {
        put(v >>> 8);
        put(v);
    }

    private void put32(int v) {
        put16(v >>> 16);
        put16(v);
    }

    private void put64(long v) {
        put32((int) (v >>> 32));
        put32((int) v);
    }

    private void ensure(int more) {
        if (len + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
        }
    }
}
