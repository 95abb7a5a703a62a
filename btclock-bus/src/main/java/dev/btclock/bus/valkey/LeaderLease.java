package dev.btclock.bus.valkey;

import dev.btclock.bus.spi.BusStatus.Role;
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
import java.util.function.LongSupplier;

/**
 * A lease in the broker that at most one node holds, and what a node does when the broker is out
 * of reach.
 *
 * <p>{@code SET <key> <node> NX PX <lease>} takes the lease, a compare-and-expire script every third
 * of the lease keeps it, compare-and-delete hands it back on close. A leader counts itself leader
 * only until its last renewal plus the lease minus a safety margin; the publish script checks the
 * lease in the broker too (fencing), so a node that lost it never publishes to the fleet.
 *
 * <p>A node that cannot reach the broker does not leave its devices without fresh data: a leader
 * whose renewals fail keeps its upstream running, and a follower that has not heard from the
 * broker for {@code standaloneAfter} starts one; both are then {@link Role#STANDALONE} and serve
 * their own devices only. When the broker answers again the lease decides as usual: the node that
 * takes it leads (and, coming from standalone, publishes its current values again so that the
 * broker's record is fresh), every other node follows and stops its upstream, so the fleet is back
 * to one upstream connection.
 */
final class LeaderLease implements Leadership, AutoCloseable {

    /** What the bus does when the node's part changes in a way its upstream listeners do not see. */
    interface Transitions {
        /** The node serves from its own upstream, cut off from the broker: its events stay local. */
        void standalone();

        /** The node left standalone by taking the lease: the broker's record needs its values. */
        void rejoinedAsLeader();

        /** The node left standalone as a follower. */
        void rejoinedAsFollower();
    }

    private static final Logger LOG = LoggerFactory.getLogger(LeaderLease.class);
    private static final String RENEW = "if redis.call('GET', KEYS[1]) == ARGV[1] then "
            + "return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end";
    private static final String RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then "
            + "return redis.call('DEL', KEYS[1]) else return 0 end";

    private final UnifiedJedis redis;
    private final String key;
    private final String node;
    private final long leaseMillis;
    private final long standaloneAfterNanos;
    private final LongSupplier otherContactNanos;
    private final Transitions transitions;
    private final List<Consumer<Boolean>> listeners = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private final Object lock = new Object();
    private volatile boolean closed;
    private volatile Role role = Role.FOLLOWER;
    private volatile long validUntilNanos;
    private volatile long lastContactNanos = System.nanoTime();

    /**
     * @param standaloneAfter   broker silence after which a follower runs its own upstream
     * @param otherContactNanos when another part of the bus last heard from the broker ({@link System#nanoTime()})
     * @param transitions       the bus's side of standalone and rejoin
     */
    LeaderLease(UnifiedJedis redis, String key, String node, Duration lease, Duration standaloneAfter,
                LongSupplier otherContactNanos, Transitions transitions) {
        this.redis = redis;
        this.key = key;
        this.node = node;
        this.leaseMillis = lease.toMillis();
        this.standaloneAfterNanos = standaloneAfter.toNanos();
        this.otherContactNanos = otherContactNanos;
        this.transitions = transitions;
        this.thread = new Thread(this::run, "btclock-leader-lease");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Runs the upstream: holds the lease, or is cut off from the broker and serves its own devices. */
    @Override
    public boolean isLeader() {
        Role r = role;
        return r == Role.STANDALONE || r == Role.LEADER && System.nanoTime() - validUntilNanos < 0;
    }

    /** This node's part now. */
    Role role() {
        return role;
    }

    /** When the lease thread last heard from the broker ({@link System#nanoTime()}). */
    long lastContactNanos() {
        return lastContactNanos;
    }

    /** Registers under the lock that transitions hold while they notify: no transition slips between the two. */
    @Override
    public void onChange(Consumer<Boolean> listener) {
        synchronized (lock) {
            listeners.add(listener);
            if (role != Role.FOLLOWER) {
                listener.accept(true);
            }
        }
    }

    private void run() {
        while (!closed) {
            long started = System.nanoTime();
            try {
                if (role == Role.LEADER) {
                    Object r = redis.eval(RENEW, List.of(key), List.of(node, Long.toString(leaseMillis)));
                    lastContactNanos = System.nanoTime();
                    if (r instanceof Long n && n == 1) {
                        validUntilNanos = started + margin();
                    } else {
                        become(Role.FOLLOWER, "the lease in the broker is gone or held by another node");
                    }
                } else {
                    // A node back from standing alone may still hold its own key (the broker was only out
                    // of its reach): renewing it keeps the fleet from going leaderless until it expires.
                    boolean renewed = role == Role.STANDALONE && redis.eval(RENEW, List.of(key),
                            List.of(node, Long.toString(leaseMillis))) instanceof Long n && n == 1;
                    String ok = renewed ? "OK" : redis.set(key, node, SetParams.setParams().nx().px(leaseMillis));
                    lastContactNanos = System.nanoTime();
                    if ("OK".equals(ok)) {
                        validUntilNanos = started + margin();
                        become(Role.LEADER, renewed ? "kept its lease " + key : "took the lease " + key);
                    } else if (role == Role.STANDALONE) {
                        become(Role.FOLLOWER, "the broker is back and another node holds the lease");
                    }
                }
            } catch (JedisException e) {
                LOG.debug("lease {}: {}", key, e.toString());
            }
            long now = System.nanoTime();
            if (role == Role.LEADER && now - validUntilNanos >= 0) {
                become(Role.STANDALONE, "could not renew the lease in time: the broker is unreachable; "
                        + "this node goes on with its own upstream for its own devices");
            } else if (role == Role.FOLLOWER && now - Math.max(lastContactNanos, otherContactNanos.getAsLong()) > standaloneAfterNanos) {
                become(Role.STANDALONE, "no answer from the broker for " + standaloneAfterNanos / 1_000_000_000L
                        + " s (BROKER_STALE_SECONDS); this node runs the upstream itself for its own devices");
            }
            sleep(role == Role.LEADER ? leaseMillis / 3 : Math.min(1000, leaseMillis / 3));
        }
    }

    /** The lease minus a tenth (at least 500 ms): this node stops before the broker's key expires. */
    private long margin() {
        long ms = leaseMillis - Math.max(500, leaseMillis / 10);
        return Duration.ofMillis(Math.max(1, ms)).toNanos();
    }

    /**
     * Moves to {@code next}. The upstream listeners hear only whether the node runs the upstream:
     * a leader that goes standalone, or comes back as leader, keeps its upstream running.
     */
    private void become(Role next, String why) {
        synchronized (lock) {
            Role previous = role;
            if (previous == next) {
                return;
            }
            role = next;
            if (next == Role.FOLLOWER) {
                LOG.warn("leader: this node ({}) follows: {}", node, why);
            } else {
                LOG.info("leader: this node ({}) {}: {}", node, next == Role.LEADER ? "runs the upstream" : "is on its own", why);
            }
            if (closed) {
                // shutting down: nothing to hand over
            } else if (next == Role.STANDALONE) {
                transitions.standalone();
            } else if (previous == Role.STANDALONE) {
                if (next == Role.LEADER) {
                    transitions.rejoinedAsLeader();
                } else {
                    transitions.rejoinedAsFollower();
                }
            }
            // Under the lock, as registrations: a listener sees every change once, in order.
            boolean wasRunning = previous != Role.FOLLOWER;
            boolean runs = next != Role.FOLLOWER;
            if (wasRunning != runs) {
                for (Consumer<Boolean> l : listeners) {
                    try {
                        l.accept(runs);
                    } catch (RuntimeException e) {
                        LOG.error("leadership listener failed", e);
                    }
                }
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
        boolean held = role == Role.LEADER;
        become(Role.FOLLOWER, "shutting down");
        if (held) {
            try {
                redis.eval(RELEASE, List.of(key), List.of(node));
            } catch (JedisException e) {
                LOG.debug("lease release failed: {}", e.toString());
            }
        }
    }
}
