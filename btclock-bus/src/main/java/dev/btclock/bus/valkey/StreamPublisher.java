package dev.btclock.bus.valkey;

import dev.btclock.bus.spi.EventBus;
import dev.btclock.core.event.Event;
import dev.btclock.core.event.PriceUpdate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;

/**
 * The leader's side of the stream: an outbox that never blocks the caller, and one thread that
 * writes its head with a fenced script (the lease is checked in the broker, then the snapshot keys
 * and the stream entry are written in one step), retrying with backoff while the broker is away.
 * When the outbox is full the oldest event is dropped and counted (latest-value data).
 */
final class StreamPublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StreamPublisher.class);
    /** Events kept while the broker is away; also the limit of what a standalone node hands locally. */
    static final int OUTBOX = 10_000;
    /**
     * KEYS: leader, stream, currency set, snapshot keys (the last one the datum's time). ARGV: node,
     * maxlen, n, currency or "", snapshot values, fields; the last ARGV is "1" when the snapshot keys
     * may only move forward in time (a re-published value: a newer recorded one stays).
     */
    private static final String PUBLISH =
            "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end "
            + "local n = tonumber(ARGV[3]) "
            + "local forward = ARGV[#ARGV] == '1' "
            + "local recorded = tonumber(redis.call('GET', KEYS[3 + n]) or '0') "
            + "if n > 0 and not (forward and recorded > tonumber(ARGV[4 + n])) then "
            + "local kv = {} for i = 1, n do kv[#kv + 1] = KEYS[3 + i]; kv[#kv + 1] = ARGV[4 + i] end "
            + "redis.call('MSET', unpack(kv)) end "
            + "if ARGV[4] ~= '' then redis.call('SADD', KEYS[3], ARGV[4]) end "
            + "local f = {} for i = 5 + n, #ARGV - 1 do f[#f + 1] = ARGV[i] end "
            + "redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(f)) "
            + "return 1";

    private final ValkeySettings settings;
    private final String node;
    private final String stream;
    private final UnifiedJedis redis;
    private final ArrayDeque<Event> outbox = new ArrayDeque<>();
    /** The latest event this node published per datum: what it publishes again when it leads after standing alone. */
    private final Map<String, Event> latestPublished = new ConcurrentHashMap<>();
    private final LongAdder dropped = new LongAdder();
    private final Thread thread;
    private long seq;
    private boolean closed;

    StreamPublisher(ValkeySettings settings, String node, String stream, UnifiedJedis redis) {
        this.settings = settings;
        this.node = node;
        this.stream = stream;
        this.redis = redis;
        this.thread = new Thread(this::run, "btclock-valkey-publisher");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /**
     * Queues {@code e} for the stream unless {@code standalone} says the node is cut off from the
     * broker. The check runs under the outbox's lock, as does {@link #takeUnsent}: an event is
     * either taken by a node entering standalone, or sees the new role; never stranded.
     *
     * @return false when the event was not queued (standalone, or closed): the caller delivers it locally
     */
    boolean offer(Event e, BooleanSupplier standalone) {
        latestPublished.put(StreamEntries.datum(e), e);
        synchronized (outbox) {
            if (closed || standalone.getAsBoolean()) {
                return false;
            }
            if (outbox.size() >= OUTBOX) {
                outbox.pollFirst();
                dropped.increment();
            }
            outbox.addLast(e);
            outbox.notifyAll();
            return true;
        }
    }

    /**
     * Empties the outbox for a node entering standalone, and forgets what it published before: when
     * it leads again it publishes only what it gets from now on (and these).
     *
     * @return the events queued but never written, oldest first
     */
    List<Event> takeUnsent() {
        synchronized (outbox) {
            List<Event> unsent = new ArrayList<>(outbox);
            outbox.clear();
            latestPublished.clear();
            unsent.forEach(e -> latestPublished.put(StreamEntries.datum(e), e));
            return unsent;
        }
    }

    /** This node's current values, marked to be re-published after an outage (see {@link EventBus#RESYNC_SOURCE}). */
    List<Event> resync() {
        return latestPublished.values().stream().map(StreamEntries::resync).toList();
    }

    /** Events dropped because the outbox was full while the broker was unreachable. */
    long dropped() {
        return dropped.sum();
    }

    private void run() {
        long backoff = 100;
        while (true) {
            Event e;
            synchronized (outbox) {
                while (outbox.isEmpty() && !closed) {
                    try {
                        outbox.wait();
                    } catch (InterruptedException ex) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                e = outbox.peekFirst();
            }
            try {
                if (!write(e)) {
                    LOG.debug("not the leader: {} not published", e);
                }
                synchronized (outbox) {
                    if (outbox.peekFirst() == e) {
                        outbox.pollFirst();
                    }
                }
                backoff = 100;
            } catch (JedisException ex) {
                LOG.debug("publish failed, retrying in {} ms: {}", backoff, ex.toString());
                synchronized (outbox) {
                    if (closed) {
                        return;
                    }
                    try {
                        outbox.wait(backoff);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
                backoff = Math.min(5000, backoff * 2);
            }
        }
    }

    /** The fenced MSET + XADD; false when this node does not hold the lease in the broker. */
    private boolean write(Event e) {
        List<String> snapshot = StreamEntries.snapshot(settings.prefix(), e);
        List<String> keys = new ArrayList<>();
        keys.add(settings.prefix() + "leader");
        keys.add(stream);
        keys.add(settings.prefix() + "currencies");
        List<String> args = new ArrayList<>();
        args.add(node);
        args.add(Integer.toString(settings.maxLen()));
        args.add(Integer.toString(snapshot.size() / 2));
        args.add(e instanceof PriceUpdate p ? p.currency() : "");
        for (int i = 0; i < snapshot.size(); i += 2) {
            keys.add(snapshot.get(i));
            args.add(snapshot.get(i + 1));
        }
        // Only this thread writes: the next number is this one's successor unless the write is refused.
        long s = seq + 1;
        args.add(StreamEntries.NODE);
        args.add(node);
        args.add(StreamEntries.SEQ);
        args.add(Long.toString(s));
        StreamEntries.fields(e).forEach((k, v) -> {
            args.add(k);
            args.add(v);
        });
        args.add(EventBus.RESYNC_SOURCE.equals(e.source()) ? "1" : "0");
        Object r = redis.eval(PUBLISH, keys, args);
        if (r instanceof Long n && n == 1) {
            seq = s;
            return true;
        }
        return false;
    }

    @Override
    public void close() {
        synchronized (outbox) {
            closed = true;
            outbox.notifyAll();
        }
        try {
            thread.join(6000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
