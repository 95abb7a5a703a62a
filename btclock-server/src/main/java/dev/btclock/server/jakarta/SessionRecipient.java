package dev.btclock.server.jakarta;

import dev.btclock.server.ws.ClientKind;
import dev.btclock.server.ws.Protocol;
import dev.btclock.server.ws.Recipient;
import dev.btclock.server.ws.WsFrames;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One Jakarta WebSocket session as the fan-out's {@link Recipient}.
 *
 * <p>At most one message is in flight per session: the next waits here until the container reports
 * the last one sent ({@link SendHandler}), in a queue bounded to {@code WS_QUEUE_FRAMES}. The API
 * allows no more anyway (a container may refuse a send while another is in progress), and it keeps
 * what a device that stopped reading costs bounded by this server, whatever the container queues.
 * A session whose queue would overflow is dropped: its frames are let go, it is counted, and it is
 * closed (hard, where the engine can: see {@link DeviceEndpoints.Builder#terminator}).
 *
 * <p>Pings go out only while nothing is in flight (a stuck session is not pinged, and is reaped by
 * its silence). Thread-safe.
 */
final class SessionRecipient implements Recipient {

    /** Each sending thread's last text frame and its payload as a String: a broadcast decodes it once, not once per session. */
    private static final ThreadLocal<Object[]> TEXT = ThreadLocal.withInitial(() -> new Object[2]);
    private static final ByteBuffer NO_PAYLOAD = ByteBuffer.allocate(0);
    private static final AtomicInteger CREATED = new AtomicInteger();

    /** Creation order (never negative), which spreads the pings over their interval. */
    final int order = CREATED.getAndIncrement() & Integer.MAX_VALUE;

    private final Session session;
    private final Protocol protocol;
    private final DeviceEndpoints owner;
    /** Frames waiting behind the one in flight; null while none ever had to wait. Guarded by this. */
    private ArrayDeque<byte[]> queue;
    /** Whether a message (or a ping) is in flight. Guarded by this. */
    private boolean sending;
    /** No more frames: closing, closed, failed or dropped. Guarded by this. */
    private boolean done;
    private volatile long lastHeardNanos;
    /** Ends the connection at once (TCP), where the engine offers it; else null. */
    private final Runnable terminator;

    private final ClientKind kind;

    SessionRecipient(Session session, Protocol protocol, DeviceEndpoints owner, Runnable terminator, ClientKind kind) {
        this.kind = kind;
        this.session = session;
        this.protocol = protocol;
        this.owner = owner;
        this.terminator = terminator;
        this.lastHeardNanos = owner.ticker().nanoTime();
    }

    @Override
    public Protocol protocol() {
        return protocol;
    }

    Session session() {
        return session;
    }

    /** A message or a pong arrived: the device is alive. */
    void heard() {
        lastHeardNanos = owner.ticker().nanoTime();
    }

    long lastHeardNanos() {
        return lastHeardNanos;
    }

    @Override
    public boolean deliver(byte[] frame, ByteBuffer view) {
        synchronized (this) {
            if (done) {
                return false;
            }
            if (sending) {
                return enqueue(frame);
            }
            sending = true;
        }
        pump(frame);
        return true;
    }

    /** Pings the device when nothing is in flight; true if a ping went out. */
    boolean ping() {
        synchronized (this) {
            if (done || sending) {
                return false;
            }
            sending = true;
        }
        try {
            session.getAsyncRemote().sendPing(NO_PAYLOAD.duplicate());
        } catch (java.io.IOException | RuntimeException e) {
            failed(e);
            return false;
        }
        byte[] next = next();
        if (next != null) {
            pump(next);
        }
        return true;
    }

    /** Accepts no more frames and lets go of the queued ones; true the first time. */
    boolean finish() {
        synchronized (this) {
            if (done) {
                return false;
            }
            done = true;
            queue = null;
            return true;
        }
    }

    /** Ends the connection at once where the engine can, else closes the session with {@code code}. */
    void end(int code, String reason) {
        finish();
        if (terminator != null) {
            terminator.run();
        } else {
            owner.close(this, code, reason);
        }
    }

    /** Holds the lock. */
    private boolean enqueue(byte[] frame) {
        if (queue == null) {
            queue = new ArrayDeque<>(8);
        }
        if (queue.size() >= owner.maxQueue()) {
            done = true;
            queue = null;
            owner.overflowed(this);
            return false;
        }
        queue.addLast(frame);
        owner.metrics().queueDepth(protocol, queue.size());
        return true;
    }

    /** Sends {@code frame}, then whatever waits, until the container has one in flight or nothing waits. */
    private void pump(byte[] frame) {
        while (frame != null) {
            Send send = new Send();
            try {
                RemoteEndpoint.Async remote = session.getAsyncRemote();
                int offset = WsFrames.payloadOffset(frame);
                if (WsFrames.isText(frame)) {
                    remote.sendText(text(frame, offset), send);
                } else {
                    remote.sendBinary(ByteBuffer.wrap(frame, offset, frame.length - offset), send);
                }
            } catch (RuntimeException e) {
                failed(e);
                return;
            }
            if (!send.returned()) {
                return; // the container finishes it later; its completion goes on
            }
            if (send.error != null) {
                return;
            }
            frame = next();
        }
    }

    /** The next waiting frame, or null after giving up the sending side. */
    private byte[] next() {
        synchronized (this) {
            byte[] f = done || queue == null ? null : queue.pollFirst();
            if (f == null) {
                sending = false;
            }
            return f;
        }
    }

    /**
     * A send failed. On a session that is closing or closed that is expected (its closing handshake
     * is the container's, and ending the connection now could destroy the close frame on its way):
     * the frames are let go. On an open session the connection is broken: it is ended.
     */
    private void failed(Throwable error) {
        synchronized (this) {
            sending = false;
        }
        if (finish() && session.isOpen()) {
            owner.failed(this, error);
        }
    }

    /** The payload of a text frame as a String, decoded once per frame by each sending thread. */
    private static String text(byte[] frame, int offset) {
        Object[] last = TEXT.get();
        if (last[0] != frame) {
            last[1] = new String(frame, offset, frame.length - offset, StandardCharsets.UTF_8);
            last[0] = frame;
        }
        return (String) last[1];
    }

    /**
     * Completion of one send. Exactly one of the sending thread (when the container completed
     * inside the send) and the completion goes on with the next frame, so a run of synchronous
     * completions loops instead of recursing.
     */
    private final class Send implements SendHandler {
        private static final int PENDING = 0;
        private static final int COMPLETED_EARLY = 1;
        private static final int CALLER_RETURNED = 2;
        private final AtomicInteger state = new AtomicInteger(PENDING);
        private volatile Throwable error;

        /** Called by the sender after the send returned; true if it should go on itself. */
        boolean returned() {
            return !state.compareAndSet(PENDING, CALLER_RETURNED);
        }

        @Override
        public void onResult(SendResult result) {
            if (!result.isOK()) {
                error = result.getException() != null ? result.getException() : new java.io.IOException("send failed");
                failed(error);
            }
            if (state.compareAndSet(PENDING, COMPLETED_EARLY) || error != null) {
                return;
            }
            byte[] f = next();
            if (f != null) {
                pump(f);
            }
        }
    }

    @Override
    public ClientKind client() {
        return kind;
    }
}
