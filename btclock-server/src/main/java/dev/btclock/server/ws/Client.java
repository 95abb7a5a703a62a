package dev.btclock.server.ws;

import dev.btclock.server.metrics.ServerMetrics;
import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.CompletionHandler;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.EmptyCompletionHandler;
import org.glassfish.grizzly.WriteResult;
import org.glassfish.grizzly.asyncqueue.AsyncQueueWriter;
import org.glassfish.grizzly.asyncqueue.MessageCloner;
import org.glassfish.grizzly.nio.NIOTransport;
import org.glassfish.grizzly.memory.Buffers;
import org.glassfish.grizzly.memory.MemoryManager;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One connected device: a bounded outbound queue in front of its Grizzly connection, plus its v2
 * subscriptions. At most one frame is in Grizzly's write queue at a time, so control frames that
 * Tyrus writes (pongs, close) never wait behind our queue. A client whose queue would exceed its
 * limit is terminated: the TCP connection is really closed and its queue released (a Tyrus
 * {@code Session.close()} alone would queue the close frame behind the stuck data, STACK.md §5.7).
 *
 * <p>Thread-safe: {@link #send} may be called from any thread; writes complete on Grizzly threads.
 */
final class Client {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Client.class);
    private static final AtomicInteger CREATED = new AtomicInteger();

    private final Protocol protocol;
    private final Connection<?> connection;
    private final MemoryManager<?> memory;
    private final AsyncQueueWriter<?> writer;
    private final int maxQueue;
    private final ServerMetrics metrics;
    private final Executor terminator;

    private ArrayDeque<byte[]> queue;
    private boolean writing;
    private boolean dead;
    private volatile long lastHeardNanos = System.nanoTime();

    /** Creation order (never negative), which spreads the server's pings over their interval. */
    final int order = CREATED.getAndIncrement() & Integer.MAX_VALUE;

    /** The currencies a v2 client subscribed to; guarded by the fan-out's lock. */
    final Set<String> currencies = new HashSet<>(4);

    Client(Protocol protocol, Connection<?> connection, int maxQueue, ServerMetrics metrics, Executor terminator) {
        this.protocol = protocol;
        this.connection = connection;
        this.memory = connection.getMemoryManager();
        this.writer = ((NIOTransport) connection.getTransport()).getAsyncQueueIO().getWriter();
        this.maxQueue = maxQueue;
        this.metrics = metrics;
        this.terminator = terminator;
    }

    Protocol protocol() {
        return protocol;
    }

    /** Records that the client sent something (a message or a pong). */
    void heard() {
        lastHeardNanos = System.nanoTime();
    }

    long lastHeardNanos() {
        return lastHeardNanos;
    }

    boolean isDead() {
        synchronized (this) {
            return dead;
        }
    }

    /**
     * Queues a frame. Never blocks. When the queue is full the client is terminated and counted.
     *
     * @return false when the client is (now) dead and the frame was dropped
     */
    boolean send(byte[] frame) {
        synchronized (this) {
            if (dead) {
                return false;
            }
            if (writing) {
                if (queue == null) {
                    queue = new ArrayDeque<>(8);
                }
                if (queue.size() >= maxQueue) {
                    dead = true;
                    queue = null;
                    metrics.backpressureDrop(protocol);
                    terminator.execute(connection::terminateSilently);
                    return false;
                }
                queue.addLast(frame);
                metrics.queueDepth(protocol, queue.size());
                return true;
            }
            writing = true;
        }
        pump(frame);
        return true;
    }

    /** Terminates the connection now (idle reaping, shutdown); pending frames are dropped. */
    void terminate() {
        synchronized (this) {
            dead = true;
            queue = null;
        }
        terminator.execute(connection::terminateSilently);
    }

    /** Whether nothing is queued or being written (or the client is dead). */
    boolean flushed() {
        synchronized (this) {
            return dead || !writing;
        }
    }

    /** Drops pending frames and refuses new ones; the connection is being closed by Tyrus. */
    void discard() {
        synchronized (this) {
            dead = true;
            queue = null;
        }
    }

    /** Writes frames until the queue is empty or a write has not completed synchronously. */
    private void pump(byte[] first) {
        byte[] frame = first;
        while (frame != null) {
            Write w = new Write();
            write(Buffers.wrap(memory, frame), w);
            metrics.frameSent(protocol);
            if (!w.returned()) {
                return;
            }
            frame = next();
        }
    }

    /**
     * Hands a frame straight to the transport's write queue for this connection, the queue that
     * Tyrus's own writes (pongs, close) reach through the filter chain, so order is kept; skipping
     * the chain saves a filter-chain context and every filter's write pass per frame (the idle
     * filter is already off for upgraded connections).
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private void write(Buffer buffer, Write completion) {
        ((AsyncQueueWriter) writer).write(connection, null, buffer, (CompletionHandler) completion, (MessageCloner) null);
    }

    /** The next queued frame, or null after marking the writer idle. */
    private byte[] next() {
        synchronized (this) {
            byte[] f = dead || queue == null ? null : queue.pollFirst();
            if (f == null) {
                writing = false;
            }
            return f;
        }
    }

    /**
     * Completion of one write. Exactly one of the writing thread (when the write completed inside
     * {@code connection.write}) and the completion thread continues with the next frame, so a
     * burst of synchronous completions loops instead of recursing.
     */
    private final class Write extends EmptyCompletionHandler<WriteResult<?, ?>> {
        private static final int PENDING = 0;
        private static final int COMPLETED_EARLY = 1;
        private static final int CALLER_RETURNED = 2;
        private final AtomicInteger state = new AtomicInteger(PENDING);

        /** Called by the writer after {@code write} returned; true if it should continue itself. */
        boolean returned() {
            return !state.compareAndSet(PENDING, CALLER_RETURNED);
        }

        @Override
        public void completed(WriteResult<?, ?> result) {
            if (state.compareAndSet(PENDING, COMPLETED_EARLY)) {
                return;
            }
            byte[] f = next();
            if (f != null) {
                pump(f);
            }
        }

        @Override
        public void failed(Throwable throwable) {
            LOG.debug("write to {} client failed, closing it: {}", protocol.label(), throwable.toString());
            synchronized (Client.this) {
                dead = true;
                queue = null;
                writing = false;
            }
            terminator.execute(connection::terminateSilently);
        }
    }
}
