package dev.btclock.server.ws;

import dev.btclock.server.guard.InboundBudget;

import java.nio.ByteBuffer;

/**
 * Follows a client's frames to know since when a frame or a fragmented message has been
 * unfinished, without keeping any payload: for engines whose WebSocket library parses the frames
 * but has no deadline for them ({@code WS_MESSAGE_TIMEOUT_SECONDS}). Reads come from one thread at
 * a time; {@link #pendingSinceNanos} may be read from any.
 */
public final class MessageTimer {

    private static final FrameReader.Sink IGNORE = new FrameReader.Sink() {
        @Override
        public void message(boolean binary, byte[] payload) {
        }

        @Override
        public void ping(byte[] payload) {
        }

        @Override
        public void pong() {
        }

        @Override
        public void close(byte[] payload) {
        }

        @Override
        public void fail(int code) {
        }

        @Override
        public void evicted() {
        }
    };

    private final FrameReader reader;

    /**
     * A timer for one connection.
     *
     * @param maxMessageBytes {@code WS_MAX_MESSAGE_BYTES}, as the library enforces it
     * @param ticker          the time source of {@link #pendingSinceNanos}
     */
    public MessageTimer(int maxMessageBytes, Ticker ticker) {
        // Nothing is kept, so the budget is never drawn on: a budget of one byte suffices.
        this.reader = new FrameReader(new FrameReader.Limits(maxMessageBytes, false, new InboundBudget(1), ticker), IGNORE);
    }

    /** Follows {@code bytes} (left as they were: position and limit unchanged). */
    public void read(ByteBuffer bytes) {
        if (bytes.hasArray()) {
            reader.read(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
        } else {
            byte[] copy = new byte[bytes.remaining()];
            bytes.duplicate().get(copy);
            reader.read(copy, 0, copy.length);
        }
    }

    /** Since when (a {@link Ticker#nanoTime()} value) a frame or message has been unfinished, or 0 between messages. */
    public long pendingSinceNanos() {
        return reader.pendingSinceNanos();
    }

    /** Lets go of the state of an unfinished message (the connection ended). */
    public void closed() {
        reader.closed();
    }
}
