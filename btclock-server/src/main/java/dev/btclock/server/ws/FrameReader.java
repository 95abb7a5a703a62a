package dev.btclock.server.ws;

import java.util.Arrays;

/**
 * Parses the frames a client sends (RFC 6455 §5), incrementally: bytes arrive in reads of any
 * size, and whatever does not yet make a whole frame is kept until the next read. A message may be
 * fragmented, with control frames between its fragments. What a device sends is tiny (pongs,
 * subscribe requests), so the reader keeps nothing between frames in the usual case.
 *
 * <p>Limits: a message (all its fragments) may carry at most {@code maxMessageBytes}; a longer one
 * fails with 1009 as soon as its header announces it, before its payload is buffered. Framing the
 * RFC forbids (an unmasked frame, reserved bits, an unknown opcode, a fragmented or oversized
 * control frame, a continuation without a start) fails with 1002. After a failure, or after a
 * close frame, every later byte is ignored.
 *
 * <p>Not thread-safe: one connection's reads arrive one after the other.
 */
final class FrameReader {

    /** What the parsed frames mean. Every callback runs on the reading thread. */
    interface Sink {
        /** A whole text ({@code binary} false) or binary message, unmasked. */
        void message(boolean binary, byte[] payload);

        /** A ping, whose payload the pong must echo. */
        void ping(byte[] payload);

        /** A pong (an answer to the server's ping). */
        void pong();

        /** The client's close frame, with its payload (status code and reason, or empty). */
        void close(byte[] payload);

        /** The client broke the protocol; the connection should be closed with {@code code}. */
        void fail(int code);
    }

    /** RFC 6455 §7.4.1: protocol error. */
    static final int PROTOCOL_ERROR = 1002;
    /** RFC 6455 §7.4.1: message too big. */
    static final int TOO_BIG = 1009;

    private static final int OP_CONTINUATION = 0x0;
    private static final int OP_TEXT = 0x1;
    private static final int OP_BINARY = 0x2;
    private static final int OP_CLOSE = 0x8;
    private static final int OP_PING = 0x9;
    private static final int OP_PONG = 0xA;

    private final int maxMessageBytes;
    /** The first {@code carryLength} bytes hold a frame that is not complete yet; null between frames. */
    private byte[] carry;
    private int carryLength;
    /** The opcode of a fragmented message in progress, or 0. */
    private int fragmentedOpcode;
    private byte[] fragments;
    private int fragmentsLength;
    private boolean done;

    FrameReader(int maxMessageBytes) {
        this.maxMessageBytes = maxMessageBytes;
    }

    /** Parses {@code length} bytes of {@code bytes} from {@code offset}, reporting every whole frame to {@code sink}. */
    void read(byte[] bytes, int offset, int length, Sink sink) {
        if (done || length == 0) {
            return;
        }
        byte[] in = bytes;
        int pos = offset;
        int end = offset + length;
        if (carryLength > 0) {
            // A frame began in an earlier read: append, growing by doubling (never one copy per byte).
            if (carry.length < carryLength + length) {
                carry = Arrays.copyOf(carry, Math.max(carryLength + length, Math.min(2 * carry.length, maxMessageBytes + 14)));
            }
            System.arraycopy(bytes, offset, carry, carryLength, length);
            in = carry;
            pos = 0;
            end = carryLength + length;
        }
        while (pos < end && !done) {
            int consumed = frame(in, pos, end - pos, sink);
            if (consumed == 0) {
                keep(in, pos, end - pos);
                return;
            }
            pos += consumed;
        }
        carry = null;
        carryLength = 0;
    }

    /** Keeps the start of an incomplete frame for the next read. */
    private void keep(byte[] in, int pos, int length) {
        if (in == carry) {
            System.arraycopy(carry, pos, carry, 0, length);
        } else {
            carry = Arrays.copyOfRange(in, pos, pos + Math.max(length, 64));
        }
        carryLength = length;
    }

    /** Parses one frame at {@code pos}; returns its length, or 0 when it is not complete yet. */
    private int frame(byte[] in, int pos, int available, Sink sink) {
        if (available < 2) {
            return 0;
        }
        int b0 = in[pos] & 0xff;
        int b1 = in[pos + 1] & 0xff;
        boolean fin = (b0 & 0x80) != 0;
        int opcode = b0 & 0x0f;
        if ((b0 & 0x70) != 0 || (b1 & 0x80) == 0) {
            return fail(sink, PROTOCOL_ERROR); // reserved bits without an extension; an unmasked client frame
        }
        boolean control = opcode >= OP_CLOSE;
        if (control ? opcode > OP_PONG || !fin : opcode > OP_BINARY) {
            return fail(sink, PROTOCOL_ERROR);
        }
        int len7 = b1 & 0x7f;
        int header = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + 4;
        if (available < header) {
            return 0;
        }
        long length = len7;
        if (len7 == 126) {
            length = ((in[pos + 2] & 0xff) << 8) | (in[pos + 3] & 0xff);
        } else if (len7 == 127) {
            length = 0;
            for (int i = 0; i < 8; i++) {
                length = (length << 8) | (in[pos + 2 + i] & 0xff);
            }
            if (length < 0) {
                return fail(sink, PROTOCOL_ERROR);
            }
        }
        if (control && length > 125) {
            return fail(sink, PROTOCOL_ERROR);
        }
        if (!control) {
            if ((opcode == OP_CONTINUATION) != (fragmentedOpcode != 0)) {
                return fail(sink, PROTOCOL_ERROR); // a continuation without a start, or a new message inside one
            }
            if (fragmentsLength + length > maxMessageBytes) {
                return fail(sink, TOO_BIG);
            }
        }
        if (available - header < length) {
            return 0;
        }
        byte[] payload = unmask(in, pos + header - 4, pos + header, (int) length);
        if (control) {
            controlFrame(opcode, payload, sink);
        } else {
            dataFrame(fin, opcode, payload, sink);
        }
        return header + (int) length;
    }

    private void dataFrame(boolean fin, int opcode, byte[] payload, Sink sink) {
        if (fin && opcode != OP_CONTINUATION) {
            sink.message(opcode == OP_BINARY, payload);
            return;
        }
        if (opcode != OP_CONTINUATION) {
            fragmentedOpcode = opcode;
            fragments = payload;
            fragmentsLength = payload.length;
            return;
        }
        if (fragments.length < fragmentsLength + payload.length) {
            fragments = Arrays.copyOf(fragments, Math.min(maxMessageBytes, Math.max(64, 2 * (fragmentsLength + payload.length))));
        }
        System.arraycopy(payload, 0, fragments, fragmentsLength, payload.length);
        fragmentsLength += payload.length;
        if (fin) {
            byte[] message = fragments.length == fragmentsLength ? fragments : Arrays.copyOf(fragments, fragmentsLength);
            boolean binary = fragmentedOpcode == OP_BINARY;
            fragmentedOpcode = 0;
            fragments = null;
            fragmentsLength = 0;
            sink.message(binary, message);
        }
    }

    private void controlFrame(int opcode, byte[] payload, Sink sink) {
        switch (opcode) {
            case OP_PING -> sink.ping(payload);
            case OP_PONG -> sink.pong();
            default -> {
                done = true;
                sink.close(payload);
            }
        }
    }

    private int fail(Sink sink, int code) {
        done = true;
        carry = null;
        carryLength = 0;
        fragments = null;
        sink.fail(code);
        return 1; // anything but 0: the loop ends on done
    }

    private static byte[] unmask(byte[] in, int maskAt, int from, int length) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            out[i] = (byte) (in[from + i] ^ in[maskAt + (i & 3)]);
        }
        return out;
    }
}
