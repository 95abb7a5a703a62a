package dev.btclock.server.tyrus;

import dev.btclock.server.ws.ClientKind;
import dev.btclock.server.ws.ConnectionProcessor;
import dev.btclock.server.ws.MessageTimer;
import dev.btclock.server.ws.Protocol;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.EmptyCompletionHandler;
import org.glassfish.grizzly.WriteResult;
import org.glassfish.grizzly.asyncqueue.AsyncQueueWriter;
import org.glassfish.grizzly.asyncqueue.MessageCloner;
import org.glassfish.grizzly.memory.Buffers;
import org.glassfish.grizzly.nio.NIOConnection;
import org.glassfish.tyrus.core.CloseReasons;
import org.glassfish.tyrus.spi.CompletionHandler;
import org.glassfish.tyrus.spi.Writer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One device connection under Tyrus: the server's transport beneath a Tyrus session. Grizzly hands
 * it the connection's events ({@link ConnectionProcessor}); what the device sends goes to Tyrus's
 * read handler, what Tyrus writes (frames already built by Tyrus) goes out through {@link #writer()}.
 *
 * <p><b>Writes.</b> The frames Tyrus writes while the session opens (its {@code onOpen}: the
 * connect frames) are kept, reported written at once so that they all come, and leave with the
 * 101 in one write, or, for a client that reads the 101 once and drops the rest (ESP-IDF 4.4),
 * after {@code WS_V1_CONNECT_DELAY_MS} or its first bytes. No data frame follows the close frame.
 * Then every frame goes to Grizzly's write queue (written at once from the calling thread when the
 * socket takes it). At most {@code WS_QUEUE_FRAMES} writes may be unfinished; one more ends the
 * connection. The fan-out sends one message at a time per session (see
 * {@code dev.btclock.server.jakarta}), so this is a safety net for pings and pongs. A control
 * frame is reported written as soon as it is queued (see {@link #write}).
 *
 * <p><b>Ends.</b> A close from Tyrus (after the closing handshake) closes the connection once its
 * writes are out; once the server's close frame is written the device has 2 s to close before the
 * connection is reset, whatever else it sends; {@link #terminate} resets it at once. A frame or
 * message left unfinished for {@code WS_MESSAGE_TIMEOUT_SECONDS} closes the session with 1008
 * ({@link #closeIfOverdue}), which Tyrus alone would never do. Thread-safe.
 */
final class TyrusSocket extends ConnectionProcessor {

    /** The most one read takes from the socket. */
    static final int READ_BUFFER_BYTES = 4096;
    /** What devices send is small: one buffer per reading thread (Tyrus copies what it keeps). */
    private static final ThreadLocal<ByteBuffer> READ_BUFFER = ThreadLocal.withInitial(() -> ByteBuffer.allocate(READ_BUFFER_BYTES));
    /** Reads per readiness event: a flooding client cannot hold a Grizzly thread for long. */
    private static final int MAX_READS = 16;
    /** How long a closing connection may take to write its last frames before it is reset. */
    private static final Duration CLOSE_DEADLINE = Duration.ofSeconds(2);

    private final Connection<?> connection;
    private final SocketChannel channel;
    private final Protocol protocol;
    private final TyrusEngine engine;
    private final Writer writer = new Writer() {
        @Override
        public void write(ByteBuffer buffer, CompletionHandler<ByteBuffer> completionHandler) {
            TyrusSocket.this.write(buffer, completionHandler);
        }

        @Override
        public void close() {
            closeAfterFlush();
        }
    };
    private volatile org.glassfish.tyrus.spi.Connection tyrus;
    /** Where the device's frames are: Tyrus has no deadline for an unfinished message. */
    private final MessageTimer messages;
    /** When the server sent its close frame (a {@link dev.btclock.server.ws.Ticker} value, never 0), or 0. */
    private volatile long closingSinceNanos;
    /** The closing handshake is over: the sending side is (being) shut, reads are dropped. Guarded by this. */
    private volatile boolean draining;

    /** Frames waiting for the 101 to be written (opening) or for the hold to end; null once they left. Guarded by this. */
    private List<Held> held = new ArrayList<>();
    /** Whether frames are held after the 101 for a client that reads it once. Guarded by this. */
    private boolean holding;
    /** Writes handed to Grizzly and not finished. Guarded by this. */
    private int unfinished;
    /** Closed, terminated or failed: nothing more is written. Guarded by this. */
    private boolean dead;

    /** A frame Tyrus wrote, and whom to tell when it is out (null: told already). */
    private record Held(ByteBuffer frame, CompletionHandler<ByteBuffer> done) {
    }

    /** What the upgrade request's User-Agent said. */
    private final ClientKind kind;

    TyrusSocket(Connection<?> connection, Protocol protocol, TyrusEngine engine, ClientKind kind) {
        this.kind = kind;
        this.connection = connection;
        this.channel = (SocketChannel) ((NIOConnection) connection).getChannel();
        this.protocol = protocol;
        this.engine = engine;
        this.messages = new MessageTimer(engine.context().ws().maxMessageBytes(), engine.context().ticker());
    }

    /** What Tyrus writes its frames to. */
    Writer writer() {
        return writer;
    }

    /** The Tyrus connection created on this socket (after the session opened). */
    void attach(org.glassfish.tyrus.spi.Connection connection) {
        this.tyrus = connection;
    }

    /**
     * Writes the 101 and, in the same write, the frames Tyrus wrote meanwhile; with {@code hold}
     * the 101 leaves alone and the frames wait for {@link #releaseHeld}.
     */
    void open(byte[] response, boolean hold) {
        if (!hold) {
            flushHeld(response);
            return;
        }
        synchronized (this) {
            if (dead) {
                return;
            }
            holding = true;
            unfinished++;
        }
        send(Buffers.wrap(connection.getMemoryManager(), response), List.of(), false);
    }

    /** Sends the frames held since {@link #open} with {@code hold}; nothing when none are held any more. */
    void releaseHeld() {
        synchronized (this) {
            if (!holding) {
                return;
            }
            holding = false;
        }
        flushHeld(null);
    }

    /**
     * Sends {@code head} (or nothing) and every held frame in one write, and from then on lets
     * frames go straight out. The write is handed to Grizzly under this socket's lock, so that a
     * frame Tyrus writes meanwhile waits for it and never overtakes the 101; its completion is
     * reported from the engine's sender thread, never from here, so that nothing calls back into
     * Tyrus under the lock (Tyrus calls the writer under its own) and the thread that opened the
     * session does not go on to send the session's backlog.
     */
    private void flushHeld(byte[] head) {
        synchronized (this) {
            if (dead || held == null) {
                return;
            }
            List<Held> batch = held;
            held = null;
            if (batch.isEmpty() && head == null) {
                return;
            }
            unfinished++;
            send(concat(head, batch), batch, true);
        }
    }

    private void write(ByteBuffer frame, CompletionHandler<ByteBuffer> done) {
        boolean kept = false;
        boolean overflow = false;
        boolean refused = false;
        synchronized (this) {
            int limit = engine.context().ws().queueFrames();
            if (dead) {
                refused = true;
            } else if (held != null) {
                // Waiting for the 101: kept here and reported written, so that the session's next
                // frames (the rest of the connect frames) join it and all leave with the 101 in one
                // write. Bounded like any queue.
                if (held.size() < limit) {
                    held.add(new Held(frame, null));
                    kept = true;
                } else {
                    overflow = true;
                }
            } else if (closingSinceNanos != 0 && !isControl(frame)) {
                refused = true; // the close frame is out: no data after it (RFC 6455 §5.5.1)
            } else if (unfinished >= limit) {
                overflow = true;
            } else {
                unfinished++;
            }
            if (overflow) {
                dead = true;
                refused = true;
            }
        }
        if (kept) {
            done.completed(frame);
            return;
        }
        if (refused) {
            done.failed(new IOException("the connection is closed or closing"));
            if (overflow) {
                engine.context().metrics().backpressureDrop(protocol);
                terminate();
            }
            return;
        }
        if (isClose(frame) && closingSinceNanos == 0) {
            // the device has CLOSE_DEADLINE to answer and close, whatever else it sends
            closingSinceNanos = engine.context().ticker().nanoTime() | 1;
        }
        if (isControl(frame)) {
            // Tyrus answers a ping with a blocking send on the reading thread (Basic.sendPong waits
            // for its future, with no timeout): reported done once queued, a pong never holds a
            // Grizzly thread hostage to a device that pings and stops reading. Nobody else waits for
            // a control frame; its place in the write queue (behind at most the frame in flight,
            // ahead of the session's queued data) is what matters.
            send(Buffers.wrap(connection.getMemoryManager(), frame), List.of(), false);
            done.completed(frame);
            return;
        }
        send(Buffers.wrap(connection.getMemoryManager(), frame), List.of(new Held(frame, done)), false);
    }

    private static boolean isClose(ByteBuffer frame) {
        return (frame.get(frame.position()) & 0x0F) == 0x8;
    }

    /** Whether {@code frame} (as Tyrus built it) is a control frame: close, ping or pong (RFC 6455 §5.5). */
    private static boolean isControl(ByteBuffer frame) {
        return (frame.get(frame.position()) & 0x08) != 0;
    }

    /**
     * Hands {@code bytes} to Grizzly's write queue; tells each frame's handler when they are out:
     * at once when Grizzly wrote them inside this call (unless {@code deferred}), else from the
     * engine's sender thread.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private void send(org.glassfish.grizzly.Buffer bytes, List<Held> frames, boolean deferred) {
        Thread writing = Thread.currentThread();
        java.util.concurrent.atomic.AtomicBoolean returned = new java.util.concurrent.atomic.AtomicBoolean();
        ((AsyncQueueWriter) writer(connection)).write(connection, null, bytes,
                (org.glassfish.grizzly.CompletionHandler) new EmptyCompletionHandler<WriteResult<?, ?>>() {
                    @Override
                    public void completed(WriteResult<?, ?> result) {
                        synchronized (TyrusSocket.this) {
                            unfinished--;
                        }
                        if (frames.isEmpty()) {
                            return;
                        }
                        if (!deferred && Thread.currentThread() == writing && !returned.get()) {
                            done(frames); // written at once, inside write: the sender goes on
                        } else {
                            // Written later by Grizzly, on a selector thread as the socket drained: the
                            // next frames are sent from the engine's sender thread, so that the selector
                            // goes back to reading (a device's ping is answered before its backlog is out).
                            engine.completeLater(() -> done(frames));
                        }
                    }

                    @Override
                    public void failed(Throwable error) {
                        for (Held h : frames) {
                            if (h.done() != null) {
                                h.done().failed(error);
                            }
                        }
                        terminate();
                    }
                }, (MessageCloner) null);
        returned.set(true);
    }

    private static void done(List<Held> frames) {
        for (Held h : frames) {
            if (h.done() != null) {
                h.done().completed(h.frame());
            }
        }
    }

    private org.glassfish.grizzly.Buffer concat(byte[] head, List<Held> frames) {
        int length = head == null ? 0 : head.length;
        for (Held h : frames) {
            length += h.frame().remaining();
        }
        byte[] all = new byte[length];
        int at = 0;
        if (head != null) {
            System.arraycopy(head, 0, all, 0, head.length);
            at = head.length;
        }
        for (Held h : frames) {
            ByteBuffer f = h.frame().duplicate();
            int n = f.remaining();
            f.get(all, at, n);
            at += n;
        }
        return Buffers.wrap(connection.getMemoryManager(), all);
    }

    /** Reads what the device sent and hands it to Tyrus, until the socket has nothing more for now. */
    @Override
    protected void readable(Connection<?> ignored) {
        ByteBuffer buffer = READ_BUFFER.get();
        for (int i = 0; i < MAX_READS; i++) {
            buffer.clear();
            int n;
            try {
                n = channel.read(buffer);
            } catch (IOException e) {
                n = -1;
            }
            if (n < 0) {
                if (draining) {
                    connection.closeSilently(); // both sides said goodbye: a plain close
                } else {
                    terminate(); // the device is gone
                }
                return;
            }
            if (draining) {
                if (n < buffer.capacity()) {
                    return; // after the closing handshake: read and dropped
                }
                continue;
            }
            buffer.flip();
            read(buffer);
            if (n < buffer.capacity()) {
                return;
            }
        }
    }

    /** Hands bytes from the device to Tyrus (which copies what it keeps). */
    void read(ByteBuffer bytes) {
        if (!bytes.hasRemaining()) {
            return;
        }
        if (holding) {
            releaseHeld(); // a client that speaks has read the handshake's response
        }
        messages.read(bytes);
        org.glassfish.tyrus.spi.Connection t = tyrus;
        if (t != null) {
            t.getReadHandler().handle(bytes);
        }
    }

    /**
     * Closes the session with 1008 (policy violation) when a frame or fragmented message of the
     * device has been unfinished for longer than {@code timeoutNanos} ({@code WS_MESSAGE_TIMEOUT_SECONDS}).
     *
     * @return whether it was closed now
     */
    boolean closeIfOverdue(long nowNanos, long timeoutNanos) {
        long since = messages.pendingSinceNanos();
        org.glassfish.tyrus.spi.Connection t = tyrus;
        if (since == 0 || nowNanos - since <= timeoutNanos || closingSinceNanos != 0 || t == null) {
            return false;
        }
        t.close(new jakarta.websocket.CloseReason(jakarta.websocket.CloseReason.CloseCodes.VIOLATED_POLICY, ""));
        return true;
    }

    /** The TCP connection is gone: fail what waits and tell Tyrus, which closes the session (onClose). */
    @Override
    protected void closed() {
        engine.forget(this);
        messages.closed();
        List<Held> dropped;
        synchronized (this) {
            dead = true;
            dropped = held;
            held = null;
        }
        if (dropped != null) {
            for (Held h : dropped) {
                if (h.done() != null) {
                    h.done().failed(new IOException("the connection is closed"));
                }
            }
        }
        org.glassfish.tyrus.spi.Connection t = tyrus;
        if (t != null) {
            t.close(CloseReasons.CLOSED_ABNORMALLY.getCloseReason());
        }
    }

    @Override
    protected void fatal(Error error) {
        engine.context().fatal().fatal(Thread.currentThread().getName(), error);
    }

    /**
     * The closing handshake is over for Tyrus: once Grizzly has written what it holds (the close
     * frame last), the sending side is shut (FIN) and whatever the device still sends is read and
     * dropped until it closes too; closing at once with unread bytes would reset the connection,
     * which can destroy the close frame on its way. Reset {@link #CLOSE_DEADLINE} after the server's
     * close frame regardless ({@link #terminateIfClosingTooLong}).
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    void closeAfterFlush() {
        synchronized (this) {
            if (draining) {
                return;
            }
            draining = true;
            if (closingSinceNanos == 0) {
                closingSinceNanos = engine.context().ticker().nanoTime() | 1;
            }
        }
        ((AsyncQueueWriter) writer(connection)).write(connection, null, Buffers.wrap(connection.getMemoryManager(), new byte[0]),
                (org.glassfish.grizzly.CompletionHandler) new EmptyCompletionHandler<WriteResult<?, ?>>() {
                    @Override
                    public void completed(WriteResult<?, ?> result) {
                        try {
                            channel.shutdownOutput();
                        } catch (IOException e) {
                            terminate();
                        }
                    }

                    @Override
                    public void failed(Throwable error) {
                        terminate();
                    }
                }, (MessageCloner) null);
    }

    /**
     * Resets a connection whose closing handshake began more than {@link #CLOSE_DEADLINE} ago: the
     * device did not read the close frame, or did not close after it.
     *
     * @return whether it was reset now
     */
    boolean terminateIfClosingTooLong(long nowNanos) {
        long since = closingSinceNanos;
        if (since == 0 || nowNanos - since <= CLOSE_DEADLINE.toNanos()) {
            return false;
        }
        synchronized (this) {
            if (dead) {
                return false;
            }
        }
        terminate();
        return true;
    }

    /**
     * Resets the TCP connection at once, dropping whatever is unsent: a device that stopped reading
     * would otherwise keep the socket and its send buffer while the kernel probes a zero window.
     */
    void terminate() {
        synchronized (this) {
            dead = true;
        }
        engine.terminateLater(() -> {
            if (!connection.isOpen()) {
                return;
            }
            try {
                channel.socket().setSoLinger(true, 0);
            } catch (IOException | RuntimeException e) {
                // already closed: nothing left to reset
            }
            connection.terminateSilently();
        });
    }

    /** What kind of client the upgrade request named. */
    ClientKind client() {
        return kind;
    }
}
