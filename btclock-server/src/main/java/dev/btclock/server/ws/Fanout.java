package dev.btclock.server.ws;

import dev.btclock.core.codec.V1Codec;
import dev.btclock.core.codec.V2Codec;
import dev.btclock.core.codec.V2Request;
import dev.btclock.core.state.Change;
import dev.btclock.server.metrics.ServerMetrics;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Who gets which frame. Every change is encoded once per protocol and the same bytes go to every
 * recipient: all v1 clients, or the v2 subscribers of that event type or currency (one index per
 * type and per currency, so a EUR price touches only EUR subscribers). The latest frame of every
 * datum is kept for connect and subscribe replies, which are therefore the same bytes as pushes.
 *
 * <p>Engines hand their connections in as {@link Recipient}s: {@link #join} when one is upgraded,
 * {@link #request} for each v2 request it sends, {@link #leave} when it is gone. One lock orders
 * changes, joins and subscriptions, so a client never misses or doubles a value around its
 * connect. Sends never block. A send may still end its recipient on the spot (a failed write);
 * such a recipient is forgotten when the iteration that met it is over, never in its middle (see
 * {@link #leave}).
 *
 * <p>Owns at most one helper thread (see {@link #sendAll}), stopped by {@link #close}.
 */
public final class Fanout implements AutoCloseable {

    /** Currencies a v2 client may subscribe to before they have a price (docs/protocol.md §2.3). */
    static final List<String> PRESET_CURRENCIES = List.of("USD", "EUR", "GBP", "JPY", "CAD", "AUD");

    private static final byte[] V1_NO_PRICE = WsFrames.text(V1Codec.noPrice());
    private static final byte[] V2_WELCOME = WsFrames.binary(V2Codec.welcome());

    /** Sets at least this large are written by two threads (when the fan-out has its helper). */
    private static final int PARALLEL_FROM = 2048;

    /**
     * Each sending thread's copy of the frame being broadcast, off the heap: the kernel reads it
     * as it is, where a heap buffer is first copied into a temporary direct buffer of the JDK's,
     * taken from and given back to a per-thread cache at every write.
     */
    private static final ThreadLocal<ByteBuffer> OUTGOING = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(1024));

    private final Object lock = new Object();
    private final ServerMetrics metrics;
    private final Ticker ticker;
    /** Writes the second half of large sets, or null with one sending thread. */
    private final ExecutorService helper;
    /** The helper's thread: it must never wait for the lock (see {@link #leave}). */
    private volatile Thread helperThread;
    /** Recipients that left while the lock was held (by this thread or the helper's caller); see {@link #leave}. */
    private final Queue<Recipient> leaving = new ConcurrentLinkedQueue<>();
    private final Recipients v1 = new Recipients(Protocol.V1);
    /** Connected clients per {@link ClientKind}, by ordinal; guarded by the lock. */
    private final int[] clientKinds = new int[ClientKind.values().length];
    private final Recipients v2 = new Recipients(Protocol.V2);
    private final Recipients blockheightSubs = new Recipients(Protocol.V2);
    private final Recipients blockfeeSubs = new Recipients(Protocol.V2);
    private final Recipients blockfee2Subs = new Recipients(Protocol.V2);
    private final Map<String, Recipients> currencySubs = new HashMap<>();
    /** The currencies each v2 client subscribed to (only those that did). */
    private final Map<Recipient, Set<String>> currenciesOf = new HashMap<>();

    private byte[] v1Price;
    private byte[] v1Block;
    private byte[] v1Fee;
    private byte[] v2Blockheight;
    private byte[] v2Blockfee;
    private byte[] v2Blockfee2;
    private final Map<String, byte[]> v2Prices = new HashMap<>();
    private final Map<String, Long> pricePushedAt = new HashMap<>();

    /**
     * An empty fan-out that counts the frames it sends in {@code metrics}, sending from two
     * threads on a machine with two cores or more.
     */
    public Fanout(ServerMetrics metrics) {
        this(metrics, Runtime.getRuntime().availableProcessors() < 2 ? 1 : 2, Ticker.SYSTEM);
    }

    /**
     * An empty fan-out.
     *
     * @param metrics where sent frames are counted
     * @param threads threads that write one broadcast: 1 (the caller alone) or 2 (the caller and a
     *                helper thread of this fan-out's, for sets of at least 2,048)
     * @param ticker  the time source of price re-pushes
     */
    public Fanout(ServerMetrics metrics, int threads, Ticker ticker) {
        if (threads < 1 || threads > 2) {
            throw new IllegalArgumentException("a broadcast is written by 1 or 2 threads, not " + threads);
        }
        this.metrics = metrics;
        this.ticker = ticker;
        this.helper = threads < 2 ? null : Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "btclock-fanout-helper");
            t.setDaemon(true);
            helperThread = t;
            return t;
        });
        for (String c : PRESET_CURRENCIES) {
            currencySubs.put(c, new Recipients(Protocol.V2));
        }
    }

    /** Sends one change to every client that should see it. */
    public void publish(Change change) {
        synchronized (lock) {
            try {
                if (change instanceof Change.Price p) {
                    byte[] v2Frame = WsFrames.binary(V2Codec.price(p.currency(), p.price()));
                    v2Prices.put(p.currency(), v2Frame);
                    pricePushedAt.put(p.currency(), ticker.nanoTime());
                    sendAll(currencySubs.computeIfAbsent(p.currency(), c -> new Recipients(Protocol.V2)), v2Frame);
                    if ("USD".equals(p.currency())) {
                        v1Price = WsFrames.text(V1Codec.price(p.price()));
                        sendAll(v1, v1Price);
                    }
                } else if (change instanceof Change.Block b) {
                    v1Block = WsFrames.text(V1Codec.block(b.height()));
                    v2Blockheight = WsFrames.binary(V2Codec.blockheight(b.height()));
                    sendAll(v1, v1Block);
                    sendAll(blockheightSubs, v2Blockheight);
                } else if (change instanceof Change.Fee f) {
                    v2Blockfee2 = WsFrames.binary(V2Codec.blockfee2(f.fee()));
                    if (f.roundedChanged() || v1Fee == null) {
                        v1Fee = WsFrames.text(V1Codec.fee(f.rounded()));
                        v2Blockfee = WsFrames.binary(V2Codec.blockfee(f.rounded()));
                    }
                    if (f.roundedChanged()) {
                        sendAll(v1, v1Fee);
                        sendAll(blockfeeSubs, v2Blockfee);
                    }
                    sendAll(blockfee2Subs, v2Blockfee2);
                }
            } finally {
                drainLeaving();
            }
        }
    }

    /**
     * Frames {@code payload} (UTF-8) once as a text frame and sends it to every v1 client, through
     * the same path as a change (the benchmark launcher stands in for the upstream with it).
     */
    public void sendV1Text(byte[] payload) {
        byte[] frame = WsFrames.text(payload);
        synchronized (lock) {
            try {
                sendAll(v1, frame);
            } finally {
                drainLeaving();
            }
        }
    }

    /**
     * Sends again every price that has not been pushed for {@code age} to its subscribers (the USD
     * price also to v1 clients): docs/protocol.md, deliberate change 4, for v3 devices that dropped the
     * last change of a quiet market.
     *
     * @return how many currencies were re-pushed
     */
    public int repushPrices(long ageNanos) {
        return repushPrices(ageNanos, currency -> false);
    }

    /**
     * Like {@link #repushPrices(long)}, leaving out the currencies {@code stale} names: a price no
     * fresh source backs any more is not sent again.
     */
    public int repushPrices(long ageNanos, java.util.function.Predicate<String> stale) {
        long nowNanos = ticker.nanoTime();
        int n = 0;
        synchronized (lock) {
            try {
                for (Map.Entry<String, byte[]> e : v2Prices.entrySet()) {
                    String currency = e.getKey();
                    Long at = pricePushedAt.get(currency);
                    if (at == null || nowNanos - at < ageNanos || stale.test(currency)) {
                        continue;
                    }
                    pricePushedAt.put(currency, nowNanos);
                    Recipients subs = currencySubs.get(currency);
                    if (subs != null) {
                        sendAll(subs, e.getValue());
                    }
                    if ("USD".equals(currency) && v1Price != null) {
                        sendAll(v1, v1Price);
                    }
                    n++;
                }
            } finally {
                drainLeaving();
            }
        }
        return n;
    }

    /**
     * Registers a connection that has just been upgraded and sends its connect frames: v1 the
     * price (or {@code {}}), block and fee; v2 the Welcome.
     */
    public void join(Recipient c) {
        if (c.protocol() == Protocol.V1) {
            openV1(c);
        } else {
            openV2(c);
        }
    }

    /** Registers a v1 client and sends the three connect frames (price or {@code {}}, block, fee). */
    private void openV1(Recipient c) {
        synchronized (lock) {
            try {
                send(c, v1Price != null ? v1Price : V1_NO_PRICE);
                if (v1Block != null) {
                    send(c, v1Block);
                }
                if (v1Fee != null) {
                    send(c, v1Fee);
                }
                v1.add(c);
                clientKinds[c.client().ordinal()]++;
            } finally {
                drainLeaving();
            }
        }
    }

    /** Registers a v2 client and sends the Welcome. */
    private void openV2(Recipient c) {
        synchronized (lock) {
            try {
                send(c, V2_WELCOME);
                v2.add(c);
                clientKinds[c.client().ordinal()]++;
            } finally {
                drainLeaving();
            }
        }
    }

    /**
     * Applies a v2 client's request, replying exactly as docs/protocol.md §2.3 (with its deliberate
     * changes). A request of a recipient that has not joined, or has left, is ignored.
     */
    public void request(Recipient c, V2Request r) {
        boolean subscribe = r.action() == V2Request.Action.SUBSCRIBE;
        synchronized (lock) {
            try {
                if (!v2.contains(c)) {
                    return;
                }
                switch (r.eventType()) {
                    case "blockheight" -> {
                        toggle(blockheightSubs, c, subscribe);
                        replyIf(subscribe, c, v2Blockheight);
                    }
                    case "blockfee" -> {
                        toggle(blockfeeSubs, c, subscribe);
                        replyIf(subscribe, c, v2Blockfee);
                    }
                    case "blockfee2" -> {
                        toggle(blockfee2Subs, c, subscribe);
                        replyIf(subscribe, c, v2Blockfee2);
                    }
                    case "price" -> {
                        if (r.currencies() != null) {
                            for (String currency : r.currencies()) {
                                if (subscribe) {
                                    subscribePrice(c, currency);
                                } else {
                                    unsubscribePrice(c, currency);
                                }
                            }
                        }
                    }
                    default -> {
                        // unknown event types are accepted silently (docs/protocol.md §2.3)
                    }
                }
            } finally {
                drainLeaving();
            }
        }
    }

    /**
     * Forgets a connection (closed or terminated); idempotent. A connection's end can be reported
     * on a thread that is sending (a failed write may end it at once), so this may run inside a
     * fan-out: then the recipient is only queued, and whoever holds the lock forgets it once its
     * iteration is done. The helper thread never waits for the lock, which the thread waiting for
     * it holds.
     */
    public void leave(Recipient c) {
        leaving.add(c);
        if (Thread.holdsLock(lock) || Thread.currentThread() == helperThread) {
            return;
        }
        synchronized (lock) {
            drainLeaving();
        }
    }

    private void drainLeaving() {
        for (Recipient c = leaving.poll(); c != null; c = leaving.poll()) {
            forget(c);
        }
    }

    private void forget(Recipient c) {
        if (c.protocol() == Protocol.V1) {
            if (v1.remove(c)) {
                clientKinds[c.client().ordinal()]--;
            }
            return;
        }
        if (!v2.remove(c)) {
            return;
        }
        clientKinds[c.client().ordinal()]--;
        blockheightSubs.remove(c);
        blockfeeSubs.remove(c);
        blockfee2Subs.remove(c);
        Set<String> currencies = currenciesOf.remove(c);
        if (currencies != null) {
            for (String currency : currencies) {
                Recipients subs = currencySubs.get(currency);
                if (subs != null) {
                    subs.remove(c);
                }
            }
        }
    }

    /** Connected clients of a kind (either protocol). */
    public int count(ClientKind kind) {
        synchronized (lock) {
            try {
                return clientKinds[kind.ordinal()];
            } finally {
                drainLeaving();
            }
        }
    }

    /** Connected clients of a protocol. */
    public int count(Protocol p) {
        synchronized (lock) {
            try {
                return p == Protocol.V1 ? v1.size() : v2.size();
            } finally {
                drainLeaving();
            }
        }
    }

    /**
     * Every connected client (for pings, reaping and shutdown): the v1 clients, then the v2
     * clients. The arrays are the ones broadcasts iterate, never changed once made, so the caller
     * may read them without the lock and must not write them.
     */
    public Recipient[][] recipients() {
        synchronized (lock) {
            try {
                return new Recipient[][] {v1.array(), v2.array()};
            } finally {
                drainLeaving();
            }
        }
    }

    /** Runs {@code action} for every client while holding the lock (it must not block). */
    public void forEach(Consumer<Recipient> action) {
        synchronized (lock) {
            try {
                for (Recipient c : v1.array()) {
                    action.accept(c);
                }
                for (Recipient c : v2.array()) {
                    action.accept(c);
                }
            } finally {
                drainLeaving();
            }
        }
    }

    private void subscribePrice(Recipient c, String currency) {
        Recipients subs = currencySubs.get(currency);
        byte[] price = v2Prices.get(currency);
        if (subs == null && price == null) {
            send(c, WsFrames.binary(V2Codec.error(currency + " does not exist.")));
            return;
        }
        if (subs == null) {
            subs = new Recipients(Protocol.V2);
            currencySubs.put(currency, subs);
        }
        subs.add(c);
        currenciesOf.computeIfAbsent(c, k -> new HashSet<>(4)).add(currency);
        send(c, WsFrames.binary(V2Codec.msg("Subscribed to " + currency)));
        if (price != null) {
            send(c, price);
        }
    }

    private void unsubscribePrice(Recipient c, String currency) {
        Recipients subs = currencySubs.get(currency);
        if (subs != null) {
            subs.remove(c);
        }
        Set<String> currencies = currenciesOf.get(c);
        if (currencies != null) {
            currencies.remove(currency);
        }
        send(c, WsFrames.binary(V2Codec.msg("Unsubscribed to " + currency)));
    }

    /** Sends one frame to one recipient and counts it. */
    private void send(Recipient c, byte[] frame) {
        if (c.deliver(frame, null)) {
            metrics.frameSent(c.protocol());
        }
    }

    private static void toggle(Recipients subs, Recipient c, boolean subscribe) {
        if (subscribe) {
            subs.add(c);
        } else {
            subs.remove(c);
        }
    }

    private void replyIf(boolean subscribe, Recipient c, byte[] frame) {
        if (subscribe && frame != null) {
            send(c, frame);
        }
    }

    /**
     * Sends the same frame to every client of a set. A large set is split in two halves written
     * by this thread and a helper at once (a write costs a system call; one thread alone needs
     * about 10 µs per client, so the last of 19k clients would wait 190 ms). Both halves finish
     * before this returns, so every client still gets frames in order. The frames are counted
     * once per broadcast, not once per client.
     */
    private void sendAll(Recipients recipients, byte[] frame) {
        Recipient[] all = recipients.array();
        int half = all.length / 2;
        Future<Integer> other = all.length < PARALLEL_FROM ? null : onHelper(() -> sendRange(all, half, all.length, frame));
        int sent;
        if (other == null) {
            sent = sendRange(all, 0, all.length, frame);
        } else {
            sent = sendRange(all, 0, half, frame);
            try {
                sent += other.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                throw new IllegalStateException("fan-out helper failed", e.getCause());
            }
        }
        metrics.framesSent(recipients.protocol, sent);
    }

    /** {@code task} on the helper thread, or null when there is none (one sending thread, or closed). */
    private Future<Integer> onHelper(java.util.concurrent.Callable<Integer> task) {
        if (helper == null) {
            return null;
        }
        try {
            return helper.submit(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return null;
        }
    }

    /** {@code frame} in this thread's direct buffer, positioned over exactly its bytes. */
    private static ByteBuffer view(byte[] frame) {
        ByteBuffer b = OUTGOING.get();
        if (b.capacity() < frame.length) {
            b = ByteBuffer.allocateDirect(Integer.highestOneBit(frame.length) << 1);
            OUTGOING.set(b);
        }
        b.clear();
        b.put(frame).flip();
        return b;
    }

    /** Sends to a range of clients through one buffer holding the frame, this thread's own; how many took it. */
    private static int sendRange(Recipient[] clients, int from, int to, byte[] frame) {
        ByteBuffer view = view(frame);
        int sent = 0;
        for (int i = from; i < to; i++) {
            if (clients[i].deliver(frame, view)) {
                sent++;
            }
        }
        return sent;
    }

    /** Stops the helper thread; the fan-out keeps working with the calling thread alone. Idempotent. */
    @Override
    public void close() {
        if (helper != null) {
            helper.shutdownNow();
        }
    }

    /**
     * One set of recipients and the array that broadcasts iterate, made again only after the set
     * changed: a broadcast walks an array instead of a hash set's entries and allocates nothing.
     * A change drops the array at once, so a client that left is not kept alive by it until the
     * next broadcast. Guarded by the fan-out's lock; an array is never written once made.
     */
    private static final class Recipients {
        private static final Recipient[] NONE = new Recipient[0];

        final Protocol protocol;
        /** Insertion order, so pings and broadcasts go out oldest client first. */
        private final Set<Recipient> members = new LinkedHashSet<>();
        private Recipient[] array = NONE;

        Recipients(Protocol protocol) {
            this.protocol = protocol;
        }

        void add(Recipient c) {
            if (members.add(c)) {
                array = null;
            }
        }

        boolean remove(Recipient c) {
            if (members.remove(c)) {
                array = null;
                return true;
            }
            return false;
        }

        boolean contains(Recipient c) {
            return members.contains(c);
        }

        int size() {
            return members.size();
        }

        Recipient[] array() {
            if (array == null) {
                array = members.toArray(NONE);
            }
            return array;
        }
    }
}
