package dev.btclock.upstream.bitcoind;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.btclock.core.event.BlockUpdate;
import dev.btclock.core.event.Event;
import dev.btclock.core.event.FeeUpdate;
import dev.btclock.core.retry.Backoff;
import dev.btclock.upstream.spi.DriverHealth;
import dev.btclock.upstream.spi.UpstreamDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Height and median fee from bitcoind over JSON-RPC, on a thread of its own. Each round reads
 * {@code getblockcount} and {@code getbestblockhash} (a new tip, or a reorg at the same height, is
 * a {@link BlockUpdate}) and, at most every {@code feeInterval} and only when the tip or
 * {@code getmempoolinfo} changed, recomputes the next block's median fee from
 * {@code getrawmempool true} with mempool's algorithm ({@link NextBlock}); when that call fails the
 * fee comes from {@code estimatesmartfee 1} instead, so the feed never goes silent. Values are
 * emitted only when they change.
 *
 * <p>Rounds run every {@code pollEvery}, or at once when {@link #wake} asks (the ZMQ driver wakes
 * it on {@code hashblock} and {@code sequence}). Errors are handled by their kind: bad
 * credentials and forbidden methods are logged once and retried slowly, warm-up is waited out,
 * a busy or unreachable node gets capped, jittered backoff.
 */
class BitcoindDriver implements UpstreamDriver {

    private static final Logger LOG = LoggerFactory.getLogger(BitcoindDriver.class);

    private final String name;
    private final RpcClient rpc;
    private final Duration pollEvery;
    private final Duration feeInterval;
    private final Clock clock;
    private final Object signal = new Object();
    private final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60));

    private Thread thread;
    private Consumer<Event> sink;
    private volatile boolean closed;
    private volatile boolean connected;
    private volatile Instant lastContact;
    private volatile String detail = "starting";
    private boolean tipRequested = true;
    private volatile boolean resync;
    private long nextPollAt = System.nanoTime();
    private long feeAllowedAt = System.nanoTime();
    private boolean feeRequested = true;

    private long height = -1;
    private String hash;
    private Double fee;
    private String mempoolInfo;
    private RpcException.Kind lastFailure;

    BitcoindDriver(String name, RpcClient rpc, Duration pollEvery, Duration feeInterval, Clock clock) {
        this.name = name;
        this.rpc = rpc;
        this.pollEvery = pollEvery;
        this.feeInterval = feeInterval;
        this.clock = clock;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public synchronized void start(Consumer<Event> sink) {
        if (this.sink != null) {
            throw new IllegalStateException(name + " already started");
        }
        this.sink = Objects.requireNonNull(sink);
        LOG.info("{}: polling bitcoind at {}", name, rpc);
        thread = dev.btclock.upstream.spi.DriverThreads.daemon("btclock-" + name, name).newThread(this::run);
        thread.start();
        onStart();
    }

    /** Hook for subclasses that start more (the ZMQ listener). */
    void onStart() {
    }

    /**
     * Asks for the tip to be read now, and/or the fee to be recomputed (at most once per
     * {@code feeInterval}). Cheap when nothing new is asked: a flood of notifications wakes the
     * driver once.
     */
    final void wake(boolean tip, boolean fee) {
        synchronized (signal) {
            boolean news = tip && !tipRequested || fee && !feeRequested;
            tipRequested |= tip;
            feeRequested |= fee;
            if (news) {
                signal.notifyAll();
            }
        }
    }

    @Override
    public java.util.Set<dev.btclock.upstream.spi.DataKind> kinds() {
        return java.util.EnumSet.of(dev.btclock.upstream.spi.DataKind.BLOCK, dev.btclock.upstream.spi.DataKind.FEE);
    }

    @Override
    public DriverHealth health() {
        return new DriverHealth(connected, lastContact, detail);
    }

    /** Records that the node was heard from (a ZMQ notification), for silence detection. */
    final void contact() {
        if (connected) {
            lastContact = clock.instant();
        }
    }

    final boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            t = thread;
        }
        synchronized (signal) {
            signal.notifyAll();
        }
        onClose();
        if (t != null) {
            t.interrupt();
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        connected = false;
        detail = "closed";
    }

    /** Hook for subclasses that stop more. */
    void onClose() {
    }

    private void run() {
        long retryAt = System.nanoTime();
        while (!closed) {
            Work work = awaitWork(retryAt);
            if (work == null) {
                return;
            }
            try {
                round(work);
                backoff.reset();
                retryAt = Long.MAX_VALUE;
            } catch (RpcException e) {
                retryAt = System.nanoTime() + failed(e).toNanos();
                again(work);
            } catch (RuntimeException e) {
                LOG.error("{}: unexpected failure, retrying", name, e);
                connected = false;
                detail = "error: " + e;
                retryAt = System.nanoTime() + backoff.next().toNanos();
                again(work);
            }
        }
    }

    /** What one round does. */
    private record Work(boolean tip, boolean fee) {
    }

    /**
     * Sleeps until there is something to do: the poll is due, a tip was asked for, a requested fee
     * is out of its debounce window, or a failed round's retry time came. Null when closed.
     */
    private Work awaitWork(long retryAt) {
        synchronized (signal) {
            while (!closed) {
                long now = System.nanoTime();
                boolean retry = retryAt != Long.MAX_VALUE && now - retryAt >= 0;
                boolean pollDue = now - nextPollAt >= 0;
                boolean feeDue = feeRequested && now - feeAllowedAt >= 0;
                if (retryAt == Long.MAX_VALUE || retry) {
                    if (tipRequested || pollDue || feeDue || retry) {
                        boolean tip = tipRequested || pollDue || retry;
                        boolean fee = feeDue || pollDue && pollDriven(now - feeAllowedAt) && now - feeAllowedAt >= 0;
                        tipRequested = false;
                        if (fee) {
                            feeRequested = false;
                        }
                        if (pollDue || retry) {
                            nextPollAt = now + pollEvery.toNanos();
                        }
                        return new Work(tip, fee);
                    }
                }
                long until = retryAt != Long.MAX_VALUE ? retryAt - now : nextPollAt - now;
                if (retryAt == Long.MAX_VALUE && feeRequested) {
                    until = Math.min(until, feeAllowedAt - now);
                }
                try {
                    signal.wait(Math.max(1, until / 1_000_000));
                } catch (InterruptedException e) {
                    return null;
                }
            }
            return null;
        }
    }

    /** A failed round's work is asked for again, so the retry does it. */
    private void again(Work work) {
        synchronized (signal) {
            tipRequested |= work.tip();
            feeRequested |= work.fee();
        }
    }

    private Duration failed(RpcException e) {
        boolean first = lastFailure != e.kind();
        lastFailure = e.kind();
        connected = false;
        switch (e.kind()) {
            case UNAUTHORIZED, FORBIDDEN -> {
                detail = e.getMessage();
                if (first) {
                    LOG.error("{}: {}; retrying every 30 s", name, e.getMessage());
                }
                return Duration.ofSeconds(30);
            }
            case WARMING_UP -> {
                detail = "bitcoind warming up: " + e.getMessage();
                if (first) {
                    LOG.warn("{}: bitcoind is starting ({}); waiting", name, e.getMessage());
                }
                return pollEvery;
            }
            default -> {
                Duration d = backoff.next();
                detail = "retrying in " + d.toMillis() + " ms: " + e.getMessage();
                if (first) {
                    LOG.warn("{}: {}; retrying with backoff", name, e.getMessage());
                } else {
                    LOG.debug("{}: {}; retrying in {} ms", name, e.getMessage(), d.toMillis());
                }
                return d;
            }
        }
    }

    /** One round: the tip when asked or due, then the fee when asked and out of its debounce window. */
    private void round(Work work) throws RpcException {
        boolean newTip = false;
        if (work.tip()) {
            long h = rpc.call("getblockcount", "[]", JsonReader::nextLong);
            String best = rpc.call("getbestblockhash", "[]", JsonReader::nextString);
            lastContact = clock.instant();
            if (!connected || lastFailure != null) {
                LOG.info("{}: connected to bitcoind at {}", name, rpc);
            }
            // Healthy before anything is emitted, so whoever receives the events sees a live source.
            connected = true;
            lastFailure = null;
            detail = "connected";
            newTip = h != height || !best.equals(hash);
            if (newTip) {
                height = h;
                hash = best;
                emit(new BlockUpdate(h, best, clock.instant(), name));
            }
        }
        boolean force = resync;
        if (work.fee() || newTip || force) {
            long now = System.nanoTime();
            if (now - feeAllowedAt < 0) {
                // A new tip inside the debounce window: the fee follows when the window ends.
                wake(false, true);
                return;
            }
            resync = false;
            feeAllowedAt = now + feeInterval.toNanos();
            refreshFee(newTip || force);
        }
    }

    /**
     * Whether this round may recompute the fee without being asked: always for the polling driver;
     * the ZMQ driver only when notifications have not asked for a while.
     */
    boolean pollDriven(long nanosSinceFeeAllowed) {
        return true;
    }

    private void refreshFee(boolean newTip) throws RpcException {
        String info = rpc.call("getmempoolinfo", "[]", r -> {
            StringBuilder sb = new StringBuilder();
            r.beginObject();
            while (r.hasNext()) {
                String k = r.nextName();
                if (k.equals("size") || k.equals("bytes") || k.equals("total_fee")) {
                    sb.append(k).append('=').append(r.nextString()).append(';');
                } else {
                    r.skipValue();
                }
            }
            r.endObject();
            return sb.toString();
        });
        if (!newTip && info.equals(mempoolInfo) && fee != null) {
            return;
        }
        double f;
        try {
            Mempool m = rpc.call("getrawmempool", "[true]", Mempool::read);
            f = NextBlock.medianFee(m);
            mempoolInfo = info;
        } catch (RpcException e) {
            if (e.kind() == RpcException.Kind.UNREACHABLE || e.kind() == RpcException.Kind.UNAUTHORIZED) {
                throw e;
            }
            LOG.warn("{}: getrawmempool failed ({}); using estimatesmartfee", name, e.getMessage());
            Double estimate = rpc.call("estimatesmartfee", "[1]", BitcoindDriver::feerate);
            if (estimate == null) {
                LOG.warn("{}: estimatesmartfee has no estimate yet; fee unchanged", name);
                return;
            }
            f = estimate;
        }
        if (fee == null || f != fee) {
            fee = f;
            emit(new FeeUpdate(f, clock.instant(), name));
        }
    }

    /** {@code estimatesmartfee}'s {@code feerate} (BTC/kvB) as sat/vB, or null when it has none. */
    static Double feerate(JsonReader r) throws IOException {
        Double rate = null;
        r.beginObject();
        while (r.hasNext()) {
            if (r.nextName().equals("feerate") && r.peek() != JsonToken.NULL) {
                rate = new BigDecimal(r.nextString()).movePointRight(5).doubleValue();
            } else {
                r.skipValue();
            }
        }
        r.endObject();
        return rate;
    }

    /** Re-reads everything at the next round (after lost ZMQ messages or a bitcoind restart). */
    final void resync() {
        resync = true;
        wake(true, true);
    }

    private void emit(Event e) {
        try {
            sink.accept(e);
        } catch (RuntimeException ex) {
            LOG.error("{}: event sink failed on {}", name, e, ex);
        }
    }

    @Override
    public String toString() {
        return name + "(" + rpc + ")";
    }
}
