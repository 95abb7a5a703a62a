package dev.btclock.server.ws;

import dev.btclock.server.guard.InboundBudget;

import java.util.Arrays;

/**
 * Parses the frames a client sends (RFC 6455 §5) as a stream: bytes arrive in reads of any size
 * and every payload byte is handled as it arrives, so nothing is copied or kept that the protocol
 * does not need. Only the messages the connection's protocol reads are kept (v2: binary
 * messages); all others are unmasked only as far as needed to check them (text must be UTF-8) and
 * then dropped. Between frames, in the usual case, the reader holds no buffer at all.
 *
 * <p>What fails the connection, with the RFC's status code:
 * <ul>
 *   <li>1002 (protocol error): an unmasked frame, reserved bits without an extension, a reserved
 *       opcode, a fragmented or oversized control frame, a continuation without a start or a new
 *       message inside a fragmented one, a 64-bit length with its top bit set, a close frame whose
 *       payload is one byte or carries a status code that may not be sent;</li>
 *   <li>1007 (invalid data): a text message, or a close reason, that is not UTF-8; detected at the
 *       first byte that cannot continue a valid sequence, even inside a fragment;</li>
 *   <li>1009 (too big): a message whose fragments announce more than {@code maxMessageBytes}
 *       together, as soon as the header that goes over arrives.</li>
 * </ul>
 * After a failure or a close frame every later byte is ignored.
 *
 * <p>Memory: what a frame or a message that spans reads needs (a split header, the payload of a
 * control frame, a kept message, the UTF-8 and mask state) lives in a {@link State} that only such
 * a connection holds; between messages, the usual case for a device, the reader keeps nothing but
 * its two references (each reading thread parses in a state of its own, which a connection takes
 * over when a read ends inside a frame or message). A kept message is held in one array grown from
 * the frame headers (never more than {@code maxMessageBytes}) and counted in the server's
 * {@link InboundBudget}, whose {@link InboundBudget.Holder} the state is.
 * {@link #pendingSinceNanos} tells how long a frame or a message has been unfinished, for the
 * server's limit on that.
 *
 * <p>Not thread-safe: one connection's reads arrive one after the other. {@link #stop},
 * {@link #closed} and {@link #pendingSinceNanos} may be called from any thread.
 */
final class FrameReader {

    /** What the parsed frames mean. Every callback runs on the reading thread, except {@link #evicted}. */
    interface Sink {
        /**
         * A whole text ({@code binary} false) or binary message: its unmasked bytes when the reader
         * keeps messages of that kind, else null.
         */
        void message(boolean binary, byte[] payload);

        /** A ping, whose payload the pong must echo. */
        void ping(byte[] payload);

        /** A pong (an answer to the server's ping). */
        void pong();

        /** The client's valid close frame, with its payload (status code and UTF-8 reason, or empty). */
        void close(byte[] payload);

        /** The client broke the protocol; the connection should be closed with {@code code}. */
        void fail(int code);

        /** The server's inbound budget took this reader's buffer away: the connection must end. Any thread. */
        void evicted();
    }

    /** RFC 6455 §7.4.1: protocol error. */
    static final int PROTOCOL_ERROR = 1002;
    /** RFC 6455 §7.4.1: data inconsistent with the message type (not UTF-8 in a text message). */
    static final int INVALID_DATA = 1007;
    /** RFC 6455 §7.4.1: message too big. */
    static final int TOO_BIG = 1009;

    private static final int OP_CONTINUATION = 0x0;
    private static final int OP_TEXT = 0x1;
    private static final int OP_BINARY = 0x2;
    private static final int OP_CLOSE = 0x8;
    private static final int OP_PING = 0x9;
    private static final int OP_PONG = 0xA;
    private static final int MAX_HEADER = 14;
    private static final byte[] EMPTY = new byte[0];


    /**
     * What the readers of one protocol share.
     *
     * @param maxMessageBytes the largest message (all its fragments) a client may send
     * @param keepBinary      whether binary messages are kept and handed to the sink (v2)
     * @param budget          the server's inbound budget, for kept messages
     */
    record Limits(int maxMessageBytes, boolean keepBinary, InboundBudget budget, Ticker ticker) {

        /** Limits timed by the system's clock. */
        Limits(int maxMessageBytes, boolean keepBinary, InboundBudget budget) {
            this(maxMessageBytes, keepBinary, budget, Ticker.SYSTEM);
        }
    }

    /** Each reading thread's state for connections that are between messages. */
    private static final ThreadLocal<State> SCRATCH = ThreadLocal.withInitial(State::new);

    private final Limits limits;
    private final Sink sink;
    /** The state of a frame or message that spans reads; null between messages. */
    private volatile State state;
    /** After a failure or a close frame: every later byte is ignored. Reading thread only. */
    private boolean done;
    private volatile boolean stopped;

    /** A reader for one connection, reporting to {@code sink}. */
    FrameReader(Limits limits, Sink sink) {
        this.limits = limits;
        this.sink = sink;
    }

    /** Parses {@code length} bytes of {@code bytes} from {@code offset}, reporting every whole frame to the sink. */
    void read(byte[] bytes, int offset, int length) {
        if (stopped || done || length == 0) {
            return;
        }
        // The time of the read, taken before parsing it: a reply to what it holds (a pong) may reach
        // the client, and the client act on it, before the parse is over.
        long readAt = limits.ticker().nanoTime() | 1; // never 0 while pending
        State own = state;
        State s = own != null ? own : SCRATCH.get().bind(this);
        s.parse(bytes, offset, length);
        if (done || s.idle()) {
            if (own != null) {
                state = null; // the message is over: the connection keeps nothing
            }
            s.reset();
        } else if (own == null) {
            // The read ended inside a frame or message: this connection takes the state over.
            s.pendingSince = readAt;
            state = s;
            SCRATCH.set(new State());
            if (stopped) {
                limits.budget().close(s); // closed on another thread meanwhile
            }
        } else if (s.pendingSince == 0) {
            s.pendingSince = readAt; // a new frame or message began in this read
        }
    }

    /**
     * Since when (a {@link Ticker#nanoTime()} value) a frame or a fragmented message has been
     * unfinished at the end of a read, or 0 when the reader is between messages.
     */
    long pendingSinceNanos() {
        State s = state;
        return s == null ? 0 : s.pendingSince;
    }

    /**
     * Stops parsing: the connection is closing, and what the client sends from now on shows
     * neither life nor anything else. Any thread.
     */
    void stop() {
        stopped = true;
    }

    /** The connection is gone: stops parsing and gives back what a kept message holds. Any thread. */
    void closed() {
        stopped = true;
        State s = state;
        if (s != null) {
            limits.budget().close(s);
        }
    }

    /**
     * The parse state of one frame and one message; the budget's {@link InboundBudget.Holder} of a
     * kept message. Used by one connection at a time ({@link #bind}); counted bytes and eviction may
     * be touched from any thread.
     */
    private static final class State extends InboundBudget.Account {

        private FrameReader owner;
        private Sink sink;
        private InboundBudget budget;
        private int maxMessageBytes;
        private boolean keepBinary;

        /** A frame header split across reads, else null; its first {@code headLength} bytes are filled. */
        private byte[] head;
        private int headLength;

        /** The frame whose payload is arriving: in payload when {@code inFrame}. */
        private boolean inFrame;
        private int frameOpcode;
        private boolean frameFin;
        private int remaining;
        private int mask;
        private int maskIndex;
        /** A control frame's payload while it arrives. */
        private byte[] control;
        private int controlLength;

        /** The opcode of the message in progress (its first frame's), or 0 between messages. */
        private int messageOpcode;
        private int messageLength;
        private byte[] kept;
        private int keptLength;
        private int utf8 = Utf8.ACCEPT;

        /** Written only when it changes: read by the supervisor's thread. */
        private volatile long pendingSince;
        private volatile boolean gone;

        /** Parses for {@code reader}'s connection. */
        State bind(FrameReader reader) {
            owner = reader;
            sink = reader.sink;
            budget = reader.limits.budget();
            maxMessageBytes = reader.limits.maxMessageBytes();
            keepBinary = reader.limits.keepBinary();
            return this;
        }

        /** Between frames and messages: nothing to keep. */
        boolean idle() {
            return !inFrame && headLength == 0 && messageOpcode == 0;
        }

        /** Forgets the connection and everything of its last frame, for the next one to parse here. */
        void reset() {
            owner = null;
            sink = null;
            head = null;
            headLength = 0;
            inFrame = false;
            control = null;
            messageOpcode = 0;
            messageLength = 0;
            kept = null;
            keptLength = 0;
            utf8 = Utf8.ACCEPT;
            pendingSince = 0;
            gone = false;
        }

        void parse(byte[] in, int offset, int length) {
            int pos = offset;
            int end = offset + length;
            while (pos < end && !owner.done) {
                pos = inFrame ? payload(in, pos, end) : header(in, pos, end);
            }
        }

        @Override
        public void evict() {
            gone = true;
            FrameReader o = owner;
            if (o != null) {
                o.sink.evicted();
            }
        }

        // ------------------------------------------------------------------ frame headers

        /** Parses a frame header at {@code pos}, or keeps what there is of it; returns the new position. */
        private int header(byte[] in, int pos, int end) {
            if (headLength == 0 && end - pos >= 2 && end - pos >= headerLength(in[pos + 1])) {
                int n = headerLength(in[pos + 1]);
                frameHeader(in, pos);
                return pos + n;
            }
            if (head == null) {
                head = new byte[MAX_HEADER];
            }
            while (pos < end) {
                head[headLength++] = in[pos++];
                if (headLength >= 2 && headLength == headerLength(head[1])) {
                    headLength = 0;
                    frameHeader(head, 0);
                    head = null;
                    return pos;
                }
            }
            return pos;
        }

        /** The header length announced by the second header byte (the mask bit and the length code). */
        private static int headerLength(byte second) {
            int len7 = second & 0x7f;
            return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((second & 0x80) != 0 ? 4 : 0);
        }

        private void frameHeader(byte[] h, int p) {
            int b0 = h[p] & 0xff;
            int b1 = h[p + 1] & 0xff;
            boolean fin = (b0 & 0x80) != 0;
            int opcode = b0 & 0x0f;
            if ((b0 & 0x70) != 0 || (b1 & 0x80) == 0) {
                fail(PROTOCOL_ERROR); // reserved bits without an extension; an unmasked client frame
                return;
            }
            boolean isControl = opcode >= OP_CLOSE;
            if (isControl ? opcode > OP_PONG || !fin : opcode > OP_BINARY) {
                fail(PROTOCOL_ERROR); // a reserved opcode; a fragmented control frame
                return;
            }
            int len7 = b1 & 0x7f;
            long length = len7;
            int at = p + 2;
            if (len7 == 126) {
                length = ((h[at] & 0xff) << 8) | (h[at + 1] & 0xff);
                at += 2;
            } else if (len7 == 127) {
                length = 0;
                for (int i = 0; i < 8; i++) {
                    length = (length << 8) | (h[at + i] & 0xff);
                }
                at += 8;
                if (length < 0) {
                    fail(PROTOCOL_ERROR);
                    return;
                }
            }
            if (isControl && length > 125) {
                fail(PROTOCOL_ERROR);
                return;
            }
            if (!isControl && !startData(opcode, length)) {
                return;
            }
            frameOpcode = opcode;
            frameFin = fin;
            remaining = (int) length; // at most WS_MAX_MESSAGE_BYTES, or 125 for a control frame
            mask = ((h[at] & 0xff) << 24) | ((h[at + 1] & 0xff) << 16) | ((h[at + 2] & 0xff) << 8) | (h[at + 3] & 0xff);
            maskIndex = 0;
            if (isControl) {
                control = length == 0 ? null : new byte[(int) length];
                controlLength = 0;
            }
            inFrame = true;
            if (length == 0) {
                endFrame();
            }
        }

        /** Checks a data frame against the message in progress and the size limit; makes room to keep it. */
        private boolean startData(int opcode, long length) {
            if ((opcode == OP_CONTINUATION) != (messageOpcode != 0)) {
                fail(PROTOCOL_ERROR); // a continuation without a start, or a new message inside one
                return false;
            }
            if (opcode != OP_CONTINUATION) {
                messageOpcode = opcode;
                messageLength = 0;
                utf8 = Utf8.ACCEPT;
            }
            if (length > maxMessageBytes - messageLength) {
                fail(TOO_BIG);
                return false;
            }
            messageLength += (int) length;
            if (keeps() && (kept == null ? 0 : kept.length) < messageLength) {
                // Doubling, so that many tiny fragments do not copy the message once each; the capacity is what counts.
                int capacity = kept == null ? messageLength : Math.max(messageLength, Math.min(2 * kept.length, maxMessageBytes));
                if (gone || !budget.grew(this, add(capacity - (kept == null ? 0 : kept.length)))) {
                    owner.done = true; // evicted: the connection is being ended
                    dropMessage();
                    return false;
                }
                kept = kept == null ? new byte[capacity] : Arrays.copyOf(kept, capacity);
            }
            return true;
        }

        private boolean keeps() {
            return keepBinary && messageOpcode == OP_BINARY;
        }

        // ------------------------------------------------------------------ payloads

        /** Takes what there is of the current frame's payload; returns the new position. */
        private int payload(byte[] in, int pos, int end) {
            int n = Math.min(remaining, end - pos);
            if (frameOpcode >= OP_CLOSE) {
                unmask(in, pos, n, control, controlLength);
                controlLength += n;
            } else if (keeps()) {
                unmask(in, pos, n, kept, keptLength);
                keptLength += n;
            } else if (messageOpcode == OP_TEXT) {
                validateText(in, pos, n);
                if (owner.done) {
                    return end;
                }
            }
            maskIndex = (maskIndex + n) & 3;
            remaining -= n;
            if (remaining == 0) {
                endFrame();
            }
            return pos + n;
        }

        private void unmask(byte[] in, int from, int n, byte[] out, int at) {
            for (int i = 0; i < n; i++) {
                out[at + i] = (byte) (in[from + i] ^ maskByte(maskIndex + i));
            }
        }

        private int maskByte(int index) {
            return mask >>> (24 - 8 * (index & 3));
        }

        /** Unmasks a text payload piece only to validate it; fails with 1007 at the first bad byte. */
        private void validateText(byte[] in, int from, int n) {
            int s = utf8;
            for (int i = 0; i < n && s != Utf8.REJECT; i++) {
                int b = (in[from + i] ^ maskByte(maskIndex + i)) & 0xff;
                s = s == Utf8.ACCEPT && b < 0x80 ? Utf8.ACCEPT : Utf8.next(s, b);
            }
            utf8 = s;
            if (s == Utf8.REJECT) {
                fail(INVALID_DATA);
            }
        }

        private void endFrame() {
            inFrame = false;
            if (messageOpcode == 0 || frameFin && frameOpcode < OP_CLOSE) {
                if (pendingSince != 0) {
                    pendingSince = 0; // what follows in this read starts its own clock
                }
            }
            if (frameOpcode >= OP_CLOSE) {
                byte[] payload = control == null ? EMPTY : control;
                control = null;
                controlFrame(frameOpcode, payload);
            } else if (frameFin) {
                endMessage();
            }
        }

        private void endMessage() {
            boolean binary = messageOpcode == OP_BINARY;
            if (!binary && utf8 != Utf8.ACCEPT) {
                fail(INVALID_DATA); // the text ends inside a code point
                return;
            }
            byte[] message = null;
            if (keeps()) {
                message = kept == null ? EMPTY : kept.length == keptLength ? kept : Arrays.copyOf(kept, keptLength);
            }
            kept = null;
            keptLength = 0;
            messageOpcode = 0;
            messageLength = 0;
            releaseHeld();
            sink.message(binary, message);
        }

        private void controlFrame(int opcode, byte[] payload) {
            switch (opcode) {
                case OP_PING -> sink.ping(payload);
                case OP_PONG -> sink.pong();
                default -> {
                    int code = closeCode(payload);
                    if (code != 0) {
                        fail(code);
                        return;
                    }
                    owner.done = true;
                    dropMessage();
                    sink.close(payload);
                }
            }
        }

        /** 0 for a valid close payload (RFC 6455 §5.5.1, §7.4), else the code to fail with. */
        private static int closeCode(byte[] payload) {
            if (payload.length == 0) {
                return 0;
            }
            if (payload.length == 1) {
                return PROTOCOL_ERROR;
            }
            int code = ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
            if (!WsFrames.isSendableCloseCode(code)) {
                return PROTOCOL_ERROR;
            }
            return Utf8.isValid(payload, 2, payload.length - 2) ? 0 : INVALID_DATA;
        }

        private void fail(int code) {
            owner.done = true;
            inFrame = false;
            head = null;
            control = null;
            dropMessage();
            sink.fail(code);
        }

        private void dropMessage() {
            kept = null;
            keptLength = 0;
            messageOpcode = 0;
            releaseHeld();
        }

        private void releaseHeld() {
            if (held() != 0) {
                budget.release(this);
            }
        }
    }
}
