package dev.btclock.server.ws;

import dev.btclock.core.codec.V2Codec;
import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.CompletionHandler;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.EmptyCompletionHandler;
import org.glassfish.grizzly.WriteResult;
import org.glassfish.grizzly.asyncqueue.AsyncQueueWriter;
import org.glassfish.grizzly.asyncqueue.MessageCloner;
import org.glassfish.grizzly.memory.Buffers;
import org.glassfish.grizzly.nio.NIOConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One connected device after its upgrade: the whole WebSocket session, with no object of a
 * WebSocket library behind it. It writes frames, answers pings, runs the closing handshake and
 * holds the device's v2 subscriptions.
 *
 * <p><b>Writes.</b> A frame goes straight to the socket from the sending thread ({@code write(2)}
 * on the non-blocking channel, the same bytes for every recipient, no copy and no allocation
 * when a broadcast passes a buffer of its own). Only when the kernel's send buffer is full does
 * the rest of the frame go to Grizzly's write queue, which finishes it when the socket drains;
 * meanwhile later frames wait in a queue bounded to {@code WS_QUEUE_FRAMES}. A client whose queue
 * would overflow is terminated (its TCP connection is really closed and its queue released) and
 * counted. A pong or a close frame goes out right after the frame in flight, ahead of queued data.
 * The handshake's response and the connect frames leave together, in one write.
 *
 * <p><b>Reads.</b> {@link #read} parses what the device sent (see {@link FrameReader}); every
 * message and pong counts as a sign of life for the idle reaper; v1 messages and v2 text or
 * undecodable messages are ignored silently (docs/protocol.md §2.2, §2.3).
 *
 * <p>Thread-safe: {@link #send} may be called from any thread; reads come from one Grizzly
 * thread at a time.
 */
final class Client extends ConnectionProcessor implements FrameReader.Sink, Recipient {

    private static final Logger LOG = LoggerFactory.getLogger(Client.class);
    private static final AtomicInteger CREATED = new AtomicInteger();
    /** What devices send is small: one buffer per reading thread, never one per connection. */
    private static final ThreadLocal<ByteBuffer> READ_BUFFER = ThreadLocal.withInitial(() -> ByteBuffer.allocate(4096));
    /** RFC 6455 §7.4.1: policy violation. */
    private static final int POLICY_VIOLATION = 1008;
    /** Reads per readiness event: a flooding client cannot hold a Grizzly thread for long. */
    private static final int MAX_READS = 16;

    /** Upgraded, the handshake's response not written yet: frames wait, unbounded, to leave with it. */
    private static final int OPENING = 0;
    private static final int OPEN = 1;
    /** A close frame is being sent; the sending side is shut once it is out. */
    private static final int CLOSING = 2;
    /**
     * The close frame is out and the sending side shut (FIN): whatever the client still sends is
     * read and dropped until it closes too, so that unread bytes never turn the server's close
     * into a reset that could destroy the close frame on its way.
     */
    private static final int DRAINING = 3;
    private static final int DEAD = 4;

    private final Protocol protocol;
    private final Connection<?> connection;
    private final SocketChannel channel;
    private final ClientContext context;
    private final FrameReader reader;

    /** Frames waiting behind the one in flight; null while none ever had to wait. Guarded by this. */
    private ArrayDeque<byte[]> queue;
    /** A pong or close frame to write before the queue. Guarded by this. */
    private byte[] control;
    /** Whether some thread owns the write side (writing, or waiting for Grizzly to finish a frame). Guarded by this. */
    private boolean writing = true;
    private int state = OPENING;
    /** Queued frames wait for {@link #releaseHeld}: the write side stays owned while they do. Guarded by this. */
    private volatile boolean holding;
    /** Holding, with nothing in flight: whoever ends the hold writes the queue. Guarded by this. */
    private boolean heldIdle;
    private volatile long lastHeardNanos;
    /** When the server started closing this client (its close frame queued), or 0. */
    private volatile long closingSinceNanos;

    /** Creation order (never negative), which spreads the server's pings over their interval. */
    final int order = CREATED.getAndIncrement() & Integer.MAX_VALUE;

    /** What the upgrade request's User-Agent said. */
    private final ClientKind kind;

    Client(Protocol protocol, Connection<?> connection, ClientContext context, ClientKind kind) {
        this.kind = kind;
        this.protocol = protocol;
        this.connection = connection;
        this.channel = (SocketChannel) ((NIOConnection) connection).getChannel();
        this.context = context;
        this.lastHeardNanos = context.ticker().nanoTime();
        // v2 clients send binary subscribe messages; nothing else a client sends is ever read.
        this.reader = new FrameReader(protocol == Protocol.V2 ? context.v2Reading() : context.v1Reading(), this);
    }

    @Override
    public Protocol protocol() {
        return protocol;
    }

    /** The Grizzly connection this client owns. */
    Connection<?> connection() {
        return connection;
    }

    long lastHeardNanos() {
        return lastHeardNanos;
    }

    /**
     * Since when a frame or a fragmented message of this client has been unfinished (a
     * {@link Ticker#nanoTime()} value), or 0 when it is between messages.
     */
    long inboundPendingSinceNanos() {
        return reader.pendingSinceNanos();
    }

    /** Whether nothing is being written (or the client is dead). */
    boolean flushed() {
        synchronized (this) {
            return state == DEAD || !writing;
        }
    }

    /**
     * Writes the handshake's response, and in the same write the frames sent since the client was
     * created (its connect frames): one system call and one TCP segment instead of four.
     *
     * <p>With {@code hold}, the response leaves alone and those frames (and any that follow) wait
     * for {@link #releaseHeld}, or for the client to send something: for clients whose WebSocket
     * library reads the response once and discards whatever came with it (ESP-IDF 4.4's, in v3
     * firmware up to 3.1.14), connect frames must arrive in a later read, or they keep their boot
     * values until the next change.
     */
    void open(byte[] response, boolean hold) {
        byte[] first;
        synchronized (this) {
            if (state == DEAD) {
                writing = false;
                return;
            }
            if (state == OPENING) {
                state = OPEN;
            }
            holding = hold;
            first = hold ? response : withQueued(response);
        }
        writeLoop(first, null);
    }

    /** Sends the frames held since {@link #open} with {@code hold}; does nothing when none are held any more. */
    void releaseHeld() {
        synchronized (this) {
            if (!holding) {
                return;
            }
            holding = false;
            if (!heldIdle) {
                return; // the response is still being written: its completion goes on with the held frames
            }
            heldIdle = false;
        }
        byte[] f = next();
        if (f != null) {
            writeLoop(f, null);
        }
    }

    /** {@code head} followed by every queued frame, which leave the queue; holds the lock. */
    private byte[] withQueued(byte[] head) {
        if (queue == null || queue.isEmpty()) {
            return head;
        }
        int length = head.length;
        for (byte[] f : queue) {
            length += f.length;
        }
        byte[] all = Arrays.copyOf(head, length);
        int at = head.length;
        for (byte[] f = queue.pollFirst(); f != null; f = queue.pollFirst()) {
            System.arraycopy(f, 0, all, at, f.length);
            at += f.length;
        }
        return all;
    }

    /**
     * Sends a frame and counts it. Never blocks. When the queue is full the client is terminated
     * and counted.
     *
     * @return false when the client is (now) closing or dead and the frame was dropped
     */
    boolean send(byte[] frame) {
        if (deliver(frame, null)) {
            context.metrics().frameSent(protocol);
            return true;
        }
        return false;
    }

    /**
     * Sends a frame without counting it (a broadcast counts its frames once), through
     * {@code view}: a buffer holding exactly the bytes of {@code frame} (from position 0 to its
     * limit) that only the calling thread uses, or null.
     *
     * @return false when the client is (now) closing or dead and the frame was dropped
     */
    @Override
    public boolean deliver(byte[] frame, ByteBuffer view) {
        synchronized (this) {
            if (state > OPEN) {
                return false;
            }
            if (writing) {
                return enqueue(frame);
            }
            writing = true;
        }
        writeLoop(frame, view);
        return true;
    }

    /**
     * Starts the closing handshake with {@code closeFrame}: queued data is dropped, the close frame
     * follows the frame in flight, and the TCP connection is closed once it is out.
     */
    void closeWith(byte[] closeFrame) {
        synchronized (this) {
            if (state > OPEN) {
                return;
            }
            state = CLOSING;
            queue = null;
            closingSinceNanos = context.ticker().nanoTime() | 1;
            reader.stop(); // from now on nothing the client sends counts, not even as a sign of life
            if (!controlFrame(closeFrame)) {
                return;
            }
        }
        writeLoop(next(), null);
    }

    /**
     * Holds the lock: puts {@code frame} ahead of queued data (replacing a control frame not sent
     * yet). True when the caller must write now because nobody else is writing.
     */
    private boolean controlFrame(byte[] frame) {
        control = frame;
        if (writing) {
            return takeHeldWriter();
        }
        writing = true;
        return true;
    }

    /**
     * Holds the lock. While frames are held with nothing in flight, nobody writes: the caller
     * that has just put a control frame in place takes the write side over (true).
     */
    private boolean takeHeldWriter() {
        if (!heldIdle) {
            return false;
        }
        heldIdle = false;
        return true;
    }

    /**
     * Terminates the connection now (idle reaping, end of stream); pending frames are dropped.
     *
     * @return false when the client was already dead (terminated, or closed by either side)
     */
    boolean terminate() {
        synchronized (this) {
            if (state == DEAD) {
                return false; // already terminated or closed: its end is on its way
            }
            die();
        }
        context.terminate(connection);
        return true;
    }

    /** The TCP connection is gone (reported by Grizzly): release everything and leave the fan-out. */
    @Override
    protected void closed() {
        synchronized (this) {
            die();
        }
        reader.closed();
        context.fanout().leave(this);
    }

    @Override
    protected void fatal(Error error) {
        context.fatal().fatal(Thread.currentThread().getName(), error);
    }

    /** Reads and parses what the device sent, until the socket has nothing more for now. */
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
                if (closingSinceNanos != 0) {
                    context.close(connection); // both sides said goodbye: a plain close
                } else {
                    terminate(); // the device is gone: nothing left to say to it
                }
                return;
            }
            if (n > 0 && holding) {
                releaseHeld(); // a client that speaks has read the handshake's response
            }
            reader.read(buffer.array(), 0, n);
            if (n < buffer.capacity()) {
                return;
            }
        }
    }

    /** Parses bytes the device sent that Grizzly had already read (behind the handshake). */
    void read(Buffer bytes) {
        if (holding) {
            releaseHeld(); // a client that speaks has read the handshake's response
        }
        if (bytes.hasArray()) {
            reader.read(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
        } else {
            byte[] copy = new byte[bytes.remaining()];
            bytes.get(copy);
            reader.read(copy, 0, copy.length);
        }
    }

    @Override
    public void message(boolean binary, byte[] payload) {
        lastHeardNanos = context.ticker().nanoTime();
        if (payload != null) { // only a v2 client's binary messages are kept
            V2Codec.decode(payload).ifPresent(request -> context.fanout().request(this, request));
        }
    }

    @Override
    public void ping(byte[] payload) {
        lastHeardNanos = context.ticker().nanoTime();
        byte[] pong = WsFrames.pong(payload);
        synchronized (this) {
            if (state > OPEN) {
                return;
            }
            // Replaces a pong not yet sent: answering only the latest ping is allowed (RFC 6455 §5.5.3).
            if (!controlFrame(pong)) {
                return;
            }
        }
        writeLoop(next(), null);
    }

    @Override
    public void pong() {
        lastHeardNanos = context.ticker().nanoTime();
    }

    @Override
    public void close(byte[] payload) {
        closeWith(WsFrames.closeReply(payload));
    }

    @Override
    public void fail(int code) {
        LOG.debug("{} client broke the protocol; closing it with {}", protocol.label(), code);
        context.metrics().protocolError(code);
        closeWith(WsFrames.close(code));
    }

    /** The inbound budget took this client's unfinished message: it held more than almost every other. */
    @Override
    public void evicted() {
        if (terminate()) {
            context.metrics().inboundEvicted("websocket");
        }
    }

    /**
     * Closes the client with 1008 (policy violation) when its unfinished frame or message has been
     * arriving for longer than {@code timeoutNanos}: a client trickling a message must not hold
     * its buffer for as long as it answers pings.
     *
     * @return whether it was closed now
     */
    boolean closeIfInboundOverdue(long nowNanos, long timeoutNanos) {
        long since = reader.pendingSinceNanos();
        if (since == 0 || nowNanos - since <= timeoutNanos) {
            return false;
        }
        synchronized (this) {
            if (state > OPEN) {
                return false;
            }
        }
        LOG.debug("{} client left a message unfinished for over {} s; closing it with 1008", protocol.label(),
                timeoutNanos / 1_000_000_000L);
        closeWith(WsFrames.close(POLICY_VIOLATION));
        return true;
    }

    /** After the close frame: FIN to the client; the connection ends when it closes too, or at the drain timeout. */
    private void shutDownSending() {
        try {
            channel.shutdownOutput();
        } catch (IOException e) {
            context.terminate(connection);
        }
    }

    /**
     * Ends a connection the server started closing longer than {@code timeoutNanos} ago: its close
     * frame could not be written (the client stopped reading), or the client neither closed nor
     * stopped sending after it.
     *
     * @return whether it was ended now
     */
    boolean terminateIfClosingTooLong(long nowNanos, long timeoutNanos) {
        long since = closingSinceNanos;
        return since != 0 && nowNanos - since > timeoutNanos && terminate();
    }

    /** Holds the lock: accepts nothing more and lets go of everything pending. */
    private void die() {
        state = DEAD;
        queue = null;
        control = null;
    }

    /** Queues a frame behind the one in flight; holds the lock. */
    private boolean enqueue(byte[] frame) {
        if (queue == null) {
            queue = new ArrayDeque<>(8);
        }
        if (state == OPEN && queue.size() >= context.maxQueue()) {
            die();
            context.metrics().backpressureDrop(protocol);
            context.terminate(connection);
            return false;
        }
        queue.addLast(frame);
        context.metrics().queueDepth(protocol, queue.size());
        return true;
    }

    /**
     * Writes {@code frame} and then whatever is pending, until nothing is or the socket takes no
     * more. Only the thread that set {@code writing} calls it, so frames never interleave.
     */
    private void writeLoop(byte[] frame, ByteBuffer view) {
        while (frame != null) {
            ByteBuffer bytes = view != null ? view.rewind() : ByteBuffer.wrap(frame);
            view = null;
            try {
                channel.write(bytes);
            } catch (IOException e) {
                failed(e);
                return;
            }
            if (bytes.hasRemaining()) {
                Write later = new Write();
                finishLater(Buffers.wrap(connection.getMemoryManager(), frame, bytes.position(), bytes.remaining()), later);
                if (!later.returned()) {
                    return; // Grizzly finishes the frame when the socket drains; its completion goes on
                }
            }
            frame = next();
        }
    }

    /** Hands the rest of a frame to the transport's write queue for this connection. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private void finishLater(Buffer rest, Write completion) {
        ((AsyncQueueWriter) writer(connection)).write(connection, null, rest, (CompletionHandler) completion,
                (MessageCloner) null);
    }

    /** The next frame to write, or null after giving up the write side (and closing, after a close frame). */
    private byte[] next() {
        synchronized (this) {
            if (state >= DRAINING) {
                writing = false;
                return null;
            }
            byte[] f = control;
            if (f != null) {
                control = null;
                return f;
            }
            if (holding && state == OPEN) {
                heldIdle = true; // `writing` stays set: frames keep queueing behind the held ones
                return null;
            }
            if (state == CLOSING) {
                state = DRAINING;
                queue = null;
                writing = false;
            }
            if (state == DRAINING) {
                shutDownSending();
                return null;
            }
            f = queue == null ? null : queue.pollFirst();
            if (f == null) {
                writing = false;
            }
            return f;
        }
    }

    private void failed(Throwable error) {
        LOG.debug("write to {} client failed, closing it: {}", protocol.label(), error.toString());
        synchronized (this) {
            die();
            writing = false;
        }
        context.terminate(connection);
    }

    /**
     * Completion of one frame that Grizzly finishes. Exactly one of the writing thread (when the
     * write completed inside {@code write}) and the completion thread goes on with the next
     * frame, so a run of synchronous completions loops instead of recursing.
     */
    private final class Write extends EmptyCompletionHandler<WriteResult<?, ?>> {
        private static final int PENDING = 0;
        private static final int COMPLETED_EARLY = 1;
        private static final int CALLER_RETURNED = 2;
        private final AtomicInteger state = new AtomicInteger(PENDING);

        /** Called by the writer after {@code write} returned; true if it should go on itself. */
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
                writeLoop(f, null);
            }
        }

        @Override
        public void failed(Throwable throwable) {
            Client.this.failed(throwable);
        }
    }

    @Override
    public ClientKind client() {
        return kind;
    }
}
