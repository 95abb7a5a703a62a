package dev.btclock.server.guard;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One limit on the bytes that all connections together may hold while they are still arriving:
 * unfinished HTTP request heads and unfinished WebSocket messages. Each connection also has limits
 * of its own (size, time); this budget is what stops many connections that each stay just under
 * them from filling the heap together.
 *
 * <p>A connection that buffers reports the bytes it holds through its {@link Holder}; when the
 * total goes over the budget, the holders holding the most are evicted (closed by their owner and
 * counted) until the total is a tenth below the budget, so that evictions come in batches and
 * not one per read.
 *
 * <p>Thread-safe. Holders are typically touched by one reading thread each, while evictions run
 * on whichever thread pushed the total over the budget.
 */
public final class InboundBudget {

    /** Bytes one connection holds, and how to get rid of it. */
    public interface Holder {
        /** The bytes this connection holds now. */
        long held();

        /** Sets the bytes held to 0 and returns what they were (atomically). */
        long drain();

        /** Closes the connection; called at most once per holder, after {@link #drain}. */
        void evict();
    }

    /**
     * A {@link Holder} that counts its bytes in one atomic field; subclasses say how to close their
     * connection. Its count may be read and drained from any thread.
     */
    public abstract static class Account implements Holder {
        private static final java.util.concurrent.atomic.AtomicLongFieldUpdater<Account> HELD =
                java.util.concurrent.atomic.AtomicLongFieldUpdater.newUpdater(Account.class, "held");
        private volatile long held;
        /** The connection is gone: bytes counted after {@link InboundBudget#close} go straight back. */
        private volatile boolean closed;

        /** Counts {@code bytes} more and returns them (for {@link InboundBudget#grew}). */
        protected final long add(long bytes) {
            HELD.addAndGet(this, bytes);
            return bytes;
        }

        @Override
        public final long held() {
            return held;
        }

        @Override
        public final long drain() {
            return HELD.getAndSet(this, 0);
        }
    }

    private final long limit;
    private final AtomicLong used = new AtomicLong();
    private final Set<Holder> holders = ConcurrentHashMap.newKeySet();
    private final LongAdder evictions = new LongAdder();
    private final Object evicting = new Object();

    /** A budget of {@code limitBytes} (at least 1). */
    public InboundBudget(long limitBytes) {
        if (limitBytes < 1) {
            throw new IllegalArgumentException("budget must be positive: " + limitBytes);
        }
        this.limit = limitBytes;
    }

    /**
     * The default budget: a sixteenth of the heap the JVM may use, at most 32 MiB, at least 1 MiB.
     */
    public static long defaultBytes() {
        long heap = Runtime.getRuntime().maxMemory();
        return Math.max(1L << 20, Math.min(32L << 20, heap / 16));
    }

    /** The configured limit. */
    public long limit() {
        return limit;
    }

    /** Bytes held by all connections now. */
    public long used() {
        return used.get();
    }

    /** Connections evicted so far. */
    public long evictions() {
        return evictions.sum();
    }

    /**
     * Records that {@code holder} holds {@code bytes} more (its own count already includes them).
     * When the budget is exceeded, evicts the largest holders, possibly {@code holder} itself.
     *
     * @return false when {@code holder} was evicted and must stop buffering
     */
    public boolean grew(Holder holder, long bytes) {
        holders.add(holder);
        boolean kept = used.addAndGet(bytes) <= limit || !evictLargest(holder);
        if (holder instanceof Account a && a.closed) {
            release(holder); // closed meanwhile, on another thread: nothing may stay counted
            return false;
        }
        return kept;
    }

    /**
     * The connection of {@code account} is gone: returns what it holds and makes sure that bytes it
     * counts afterwards (a read still in progress on another thread) are returned at once.
     */
    public void close(Account account) {
        account.closed = true;
        release(account);
    }

    /** Records that a holder holds {@code bytes} fewer (a negative number, its own count already lowered). */
    public void shrank(long bytes) {
        used.addAndGet(bytes);
    }

    /** Returns everything {@code holder} holds to the budget (a finished message or request, a closed connection). */
    public void release(Holder holder) {
        long bytes = holder.drain();
        if (bytes != 0) {
            used.addAndGet(-bytes);
        }
        holders.remove(holder);
    }

    /** Evicts the largest holders until the total is a tenth below the budget; true if {@code self} was one. */
    private boolean evictLargest(Holder self) {
        boolean selfEvicted = false;
        synchronized (evicting) {
            if (used.get() <= limit) {
                return false; // another thread evicted enough already
            }
            List<Holder> largestFirst = new ArrayList<>(holders);
            long[] held = new long[largestFirst.size()];
            for (int i = 0; i < held.length; i++) {
                held[i] = largestFirst.get(i).held();
            }
            Integer[] order = new Integer[held.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            java.util.Arrays.sort(order, Comparator.comparingLong((Integer i) -> held[i]).reversed());
            long target = limit - limit / 10;
            for (Integer i : order) {
                if (used.get() <= target) {
                    break;
                }
                Holder victim = largestFirst.get(i);
                if (holders.remove(victim)) {
                    used.addAndGet(-victim.drain());
                    evictions.increment();
                    selfEvicted |= victim == self;
                    victim.evict();
                }
            }
        }
        return selfEvicted;
    }
}
