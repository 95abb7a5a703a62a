package dev.btclock.upstream.bitcoind;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.btclock.core.event.BlockUpdate;
import dev.btclock.core.event.Event;
import dev.btclock.core.event.FeeUpdate;
import dev.btclock.upstream.spi.Backoff;
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
    private boolean woken;
    private volatile boolean resync;
    private boolean feeRequested = true;

    private long height = -1;
    private String hash;
    private Double fee;
    private String mempoolInfo;
    private long lastFeeAt;
    private RpcException.Kind lastFailure;

    BitcoindDriver(String name, RpcClient rpc, Duration pollEvery, Duration feeInterval, Clock clock) {
        this.name = name;
        this.rpc = rpc;
        this.pollEvery = pollEvery;
        this.feeInterval = feeInterval;
        this.clock = clock;
        this.lastFeeAt = System.nanoTime() - feeInterval.toNanos();
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
        thread = new Thread(this::run, "btclock-" + name);
        thread.setDaemon(true);
        thread.start();
        onStart();
    }

    /** Hook for subclasses that start more (the ZMQ listener). */
    void onStart() {
    }

    /** Asks for a round now; with {@code fee}, the fee is recomputed too (still at most once per interval). */
    final void wake(boolean fee) {
        synchronized (signal) {
            woken = true;
            feeRequested |= fee;
            signal.notifyAll();
        }
    }

    @Override
    public DriverHealth health() {
        return new DriverHealth(connected, lastContact, detail);
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
        Duration wait = Duration.ZERO;
        while (!closed) {
            if (!await(wait)) {
                return;
            }
            try {
                round();
                if (!connected || lastFailure != null) {
                    LOG.info("{}: connected to bitcoind at {}", name, rpc);
                }
                connected = true;
                lastFailure = null;
                detail = "connected";
                backoff.reset();
                wait = nextWait();
            } catch (RpcException e) {
                wait = failed(e);
            } catch (RuntimeException e) {
                LOG.error("{}: unexpected failure, retrying", name, e);
                connected = false;
                detail = "error: " + e;
                wait = backoff.next();
            }
        }
    }

    /** Waits for {@code d} or a wake-up; false when closed. */
    private boolean await(Duration d) {
        long end = System.nanoTime() + d.toNanos();
        synchronized (signal) {
            while (!closed && !woken) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    signal.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    return false;
                }
            }
            woken = false;
        }
        return !closed;
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

    /** One poll: the tip, then the fee when due. */
    void round() throws RpcException {
        long h = rpc.call("getblockcount", "[]", JsonReader::nextLong);
        String best = rpc.call("getbestblockhash", "[]", JsonReader::nextString);
        lastContact = clock.instant();
        boolean newTip = h != height || !best.equals(hash);
        if (newTip) {
            height = h;
            hash = best;
            emit(new BlockUpdate(h, best, clock.instant(), name));
        }
        boolean requested;
        synchronized (signal) {
            requested = feeRequested;
        }
        boolean force = resync;
        long now = System.nanoTime();
        if ((requested || newTip || force || pollDriven()) && feeAllowedIn(now) == 0) {
            synchronized (signal) {
                feeRequested = false;
            }
            resync = false;
            refreshFee(newTip || force);
            lastFeeAt = now;
        }
    }

    /** Nanoseconds until the fee may be recomputed again (0 = now). */
    private long feeAllowedIn(long now) {
        return Math.max(0, lastFeeAt + feeInterval.toNanos() - now);
    }

    /** How long to sleep after a good round: the poll cadence, or less when a requested fee is only debounced. */
    private Duration nextWait() {
        boolean pending;
        synchronized (signal) {
            pending = feeRequested;
        }
        if (!pending) {
            return pollEvery;
        }
        long left = feeAllowedIn(System.nanoTime());
        return left < pollEvery.toNanos() ? Duration.ofNanos(left) : pollEvery;
    }

    /** Whether every round may recompute the fee (the polling driver) or only requested ones (ZMQ). */
    boolean pollDriven() {
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
        wake(true);
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
