package dev.btclock.bus.valkey;

import dev.btclock.bus.spi.Leadership;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.SetParams;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A lease in the broker that at most one node holds: {@code SET <key> <node> NX PX <lease>} to
 * take it, a compare-and-expire script every third of the lease to keep it, compare-and-delete to
 * hand it back on close. A node counts itself leader only until its last renewal plus the lease
 * minus a safety margin, so when the broker is unreachable it steps down before another node can
 * take over; the publish script also checks the lease in the broker (fencing), so a node that lost
 * it never publishes.
 */
final class LeaderLease implements Leadership, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LeaderLease.class);
    private static final String RENEW = "if redis.call('GET', KEYS[1]) == ARGV[1] then "
            + "return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end";
    private static final String RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then "
            + "return redis.call('DEL', KEYS[1]) else return 0 end";

    private final UnifiedJedis redis;
    private final String key;
    private final String node;
    private final long leaseMillis;
    private final List<Consumer<Boolean>> listeners = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private final Object lock = new Object();
    private volatile boolean closed;
    private volatile boolean leader;
    private volatile long validUntilNanos;

    LeaderLease(UnifiedJedis redis, String key, String node, Duration lease) {
        this.redis = redis;
        this.key = key;
        this.node = node;
        this.leaseMillis = lease.toMillis();
        this.thread = new Thread(this::run, "btclock-leader-lease");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    @Override
    public boolean isLeader() {
        return leader && System.nanoTime() - validUntilNanos < 0;
    }

    @Override
    public void onChange(Consumer<Boolean> listener) {
        listeners.add(listener);
        if (leader) {
            listener.accept(true);
        }
    }

    private void run() {
        while (!closed) {
            long started = System.nanoTime();
            try {
                if (leader) {
                    Object r = redis.eval(RENEW, List.of(key), List.of(node, Long.toString(leaseMillis)));
                    if (r instanceof Long n && n == 1) {
                        validUntilNanos = started + margin();
                    } else {
                        change(false, "the lease in the broker is gone or held by another node");
                    }
                } else {
                    String ok = redis.set(key, node, SetParams.setParams().nx().px(leaseMillis));
                    if ("OK".equals(ok)) {
                        validUntilNanos = started + margin();
                        change(true, "took the lease " + key);
                    }
                }
            } catch (JedisException e) {
                LOG.debug("lease {}: {}", key, e.toString());
            }
            if (leader && System.nanoTime() - validUntilNanos >= 0) {
                change(false, "could not renew the lease in time (broker unreachable?)");
            }
            sleep(leader ? leaseMillis / 3 : Math.min(1000, leaseMillis / 3));
        }
    }

    /** The lease minus a tenth (at least 500 ms): this node stops before the broker's key expires. */
    private long margin() {
        long ms = leaseMillis - Math.max(500, leaseMillis / 10);
        return Duration.ofMillis(Math.max(1, ms)).toNanos();
    }

    private void change(boolean now, String why) {
        synchronized (lock) {
            if (leader == now) {
                return;
            }
            leader = now;
        }
        if (now) {
            LOG.info("leader: this node ({}) runs the upstream: {}", node, why);
        } else {
            LOG.warn("leader: this node ({}) stopped leading: {}", node, why);
        }
        for (Consumer<Boolean> l : listeners) {
            try {
                l.accept(now);
            } catch (RuntimeException e) {
                LOG.error("leadership listener failed", e);
            }
        }
    }

    private void sleep(long ms) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            try {
                lock.wait(Math.max(1, ms));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Stops renewing and hands the lease back, so another node takes over at once. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            lock.notifyAll();
        }
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        boolean was = leader;
        change(false, "shutting down");
        if (was) {
            try {
                redis.eval(RELEASE, List.of(key), List.of(node));
            } catch (JedisException e) {
                LOG.debug("lease release failed: {}", e.toString());
            }
        }
    }
}
