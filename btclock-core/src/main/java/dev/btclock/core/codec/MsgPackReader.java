package dev.btclock.core.codec;

import java.nio.charset.StandardCharsets;

/**
 * Reads MessagePack from an array that may come from anyone: every read checks the input's bounds,
 * and a declared count or length can never exceed what is left of the input, so nothing allocates
 * more than the input's size. Skipping is iterative, so nesting depth costs no stack. Malformed,
 * truncated or never-used bytes throw {@link Malformed}; strings with invalid UTF-8 decode with
 * U+FFFD replacements, as JavaScript's decoder does.
 */
final class MsgPackReader {

    /** The MessagePack type families. */
    enum Type { NIL, BOOLEAN, INTEGER, FLOAT, STRING, BINARY, ARRAY, MAP, EXTENSION }

    /** The input is not well-formed MessagePack (or not the type the caller asked for). */
    static final class Malformed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    private final byte[] in;
    private int pos;

    MsgPackReader(byte[] in) {
        this.in = in;
    }

    boolean hasNext() {
        return pos < in.length;
    }

    Type nextType() {
        int b = peek();
        if (b <= 0x7f || b >= 0xe0) {
            return Type.INTEGER;
        }
        if (b <= 0x8f) {
            return Type.MAP;
        }
        if (b <= 0x9f) {
            return Type.ARRAY;
        }
        if (b <= 0xbf) {
            return Type.STRING;
        }
        return switch (b) {
            case 0xc0 -> Type.NIL;
            case 0xc2, 0xc3 -> Type.BOOLEAN;
            case 0xc4, 0xc5, 0xc6 -> Type.BINARY;
            case 0xc7, 0xc8, 0xc9, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8 -> Type.EXTENSION;
            case 0xca, 0xcb -> Type.FLOAT;
            case 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3 -> Type.INTEGER;
            case 0xd9, 0xda, 0xdb -> Type.STRING;
            case 0xdc, 0xdd -> Type.ARRAY;
            case 0xde, 0xdf -> Type.MAP;
            default -> throw new Malformed("never-used byte 0xc1");
        };
    }

    /** Whether the next value is a uint64, whose range exceeds {@code long}. */
    boolean nextIsUint64() {
        return peek() == 0xcf;
    }

    /** A map header: the number of key/value pairs, each of which needs at least two bytes. */
    int readMapHeader() {
        int b = u8();
        long n;
        if (b >= 0x80 && b <= 0x8f) {
            n = b & 0x0f;
        } else if (b == 0xde) {
            n = u16();
        } else if (b == 0xdf) {
            n = u32();
        } else {
            throw new Malformed("not a map");
        }
        return count(n, 2);
    }

    int readArrayHeader() {
        int b = u8();
        long n;
        if (b >= 0x90 && b <= 0x9f) {
            n = b & 0x0f;
        } else if (b == 0xdc) {
            n = u16();
        } else if (b == 0xdd) {
            n = u32();
        } else {
            throw new Malformed("not an array");
        }
        return count(n, 1);
    }

    String readString() {
        int b = u8();
        long n;
        if (b >= 0xa0 && b <= 0xbf) {
            n = b & 0x1f;
        } else if (b == 0xd9) {
            n = u8();
        } else if (b == 0xda) {
            n = u16();
        } else if (b == 0xdb) {
            n = u32();
        } else {
            throw new Malformed("not a string");
        }
        int length = count(n, 1);
        String s = new String(in, pos, length, StandardCharsets.UTF_8);
        pos += length;
        return s;
    }

    /** Any integer that fits a {@code long}; a uint64 above {@link Long#MAX_VALUE} is malformed here. */
    long readLong() {
        int b = u8();
        if (b <= 0x7f) {
            return b;
        }
        if (b >= 0xe0) {
            return (byte) b;
        }
        return switch (b) {
            case 0xcc -> u8();
            case 0xcd -> u16();
            case 0xce -> u32();
            case 0xcf -> {
                long v = u64();
                if (v < 0) {
                    throw new Malformed("uint64 beyond long");
                }
                yield v;
            }
            case 0xd0 -> (byte) u8();
            case 0xd1 -> (short) u16();
            case 0xd2 -> (int) u32();
            case 0xd3 -> u64();
            default -> throw new Malformed("not an integer");
        };
    }

    /** Any integer, as the nearest double (uint64 included, read unsigned). */
    double readIntegerAsDouble() {
        if (peek() == 0xcf) {
            pos++;
            long v = u64();
            return v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
        }
        return readLong();
    }

    double readFloat() {
        int b = u8();
        if (b == 0xca) {
            return Float.intBitsToFloat((int) u32());
        }
        if (b == 0xcb) {
            return Double.longBitsToDouble(u64());
        }
        throw new Malformed("not a float");
    }

    boolean readBoolean() {
        int b = u8();
        if (b == 0xc2 || b == 0xc3) {
            return b == 0xc3;
        }
        throw new Malformed("not a boolean");
    }

    void readNil() {
        if (u8() != 0xc0) {
            throw new Malformed("not nil");
        }
    }

    /** Skips one whole value, however deeply nested, without recursion. */
    void skipValue() {
        long pending = 1;
        while (pending > 0) {
            pending--;
            int b = u8();
            if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
                continue;
            }
            if (b <= 0x8f) {
                pending += 2L * (b & 0x0f);
            } else if (b <= 0x9f) {
                pending += b & 0x0f;
            } else if (b <= 0xbf) {
                advance(b & 0x1f);
            } else {
                pending += skipHead(b);
            }
        }
    }

    /** Consumes the rest of a value that starts with {@code b} (≥ 0xc1) and returns how many values it contains. */
    private long skipHead(int b) {
        switch (b) {
            case 0xc4, 0xd9 -> advance(u8());
            case 0xc5, 0xda -> advance(u16());
            case 0xc6, 0xdb -> advance(u32());
            case 0xc7 -> advance(u8() + 1L);
            case 0xc8 -> advance(u16() + 1L);
            case 0xc9 -> advance(u32() + 1L);
            case 0xca -> advance(4);
            case 0xcb -> advance(8);
            case 0xcc, 0xd0 -> advance(1);
            case 0xcd, 0xd1 -> advance(2);
            case 0xce, 0xd2 -> advance(4);
            case 0xcf, 0xd3 -> advance(8);
            case 0xd4 -> advance(2);
            case 0xd5 -> advance(3);
            case 0xd6 -> advance(5);
            case 0xd7 -> advance(9);
            case 0xd8 -> advance(17);
            case 0xdc -> {
                return count(u16(), 1);
            }
            case 0xdd -> {
                return count(u32(), 1);
            }
            case 0xde -> {
                return 2L * count(u16(), 2);
            }
            case 0xdf -> {
                return 2L * count(u32(), 2);
            }
            default -> throw new Malformed("never-used byte 0xc1");
        }
        return 0;
    }

    /** A declared count of items each at least {@code minBytes} long, checked against what is left. */
    private int count(long n, int minBytes) {
        if (n * minBytes > in.length - pos) {
            throw new Malformed("declared size exceeds input");
        }
        return (int) n;
    }

    private void advance(long n) {
        if (n > in.length - pos) {
            throw new Malformed("truncated");
        }
        pos += (int) n;
    }

    private int peek() {
        if (pos >= in.length) {
            throw new Malformed("truncated");
        }
        return in[pos] & 0xff;
    }

    private int u8() {
        int b = peek();
        pos++;
        return b;
    }

    private int u16() {
        return u8() << 8 | u8();
    }

    private long u32() {
        return (long) u16() << 16 | u16();
    }

    private long u64() {
        return u32() << 32 | u32();
    }
}
