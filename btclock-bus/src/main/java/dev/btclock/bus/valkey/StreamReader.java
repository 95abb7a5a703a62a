package dev.btclock.bus.valkey;

import dev.btclock.bus.spi.EventBus;
import dev.btclock.core.event.BlockUpdate;
import dev.btclock.core.event.Event;
import dev.btclock.core.event.FeeUpdate;
import dev.btclock.core.event.PriceUpdate;
import dev.btclock.core.retry.Backoff;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XReadParams;
import redis.clients.jedis.resps.StreamEntry;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Every node's side of the stream: one thread that reads it with {@code XREAD BLOCK} on a connection
 * of its own and hands each event to {@code sink}, in order.
 *
 * <p>Nothing is lost or replayed out of order: it starts from a snapshot of the keys and the stream's
 * tail taken atomically; after a broken connection it resumes from its last id, never from
 * {@code $}; when it finds that entries it did not read were trimmed (a sequence gap, or its last id
 * older than the stream's first entry), or that the stream was reset (a broker restart without
 * persistence), it re-snapshots and continues from the tail. After the node stood alone it catches
 * up from the snapshot instead of replaying what the fleet published meanwhile.
 */
final class StreamReader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StreamReader.class);
    static final int BLOCK_MILLIS = 5000;
    private static final int BATCH = 1000;
    /** One atomic read of every snapshot key and the stream's tail id. KEYS: currency set, stream. ARGV: prefix. */
    private static final String SNAPSHOT =
            "local out = {} "
            + "for _, c in ipairs(redis.call('SMEMBERS', KEYS[1])) do "
            + "out[#out + 1] = c; out[#out + 1] = redis.call('GET', ARGV[1] .. 'price:' .. c) or ''; "
            + "out[#out + 1] = redis.call('GET', ARGV[1] .. 'at:price:' .. c) or '' end "
            + "local tail = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1) "
            + "local id = '' if #tail > 0 then id = tail[1][1] end "
            + "return {id, redis.call('GET', ARGV[1] .. 'height') or '', redis.call('GET', ARGV[1] .. 'hash') or '', "
            + "redis.call('GET', ARGV[1] .. 'fee') or '', out, redis.call('GET', ARGV[1] .. 'at:height') or '', "
            + "redis.call('GET', ARGV[1] .. 'at:fee') or ''}";

    private final ValkeySettings settings;
    private final String stream;
    private final JedisClientConfig config;
    private final BooleanSupplier standalone;
    private final Consumer<Event> sink;
    private final Map<String, Long> seqByNode = new HashMap<>();
    private final LongAdder seqGaps = new LongAdder();
    private final LongAdder resnapshots = new LongAdder();
    private final Object pause = new Object();
    private final Thread thread;
    private volatile boolean closed;
    private volatile long lastHeardNanos;
    private volatile boolean heard;
    private volatile Jedis connection;
    /** The node stood alone since the reader last read: it catches up from the snapshot, not by replaying. */
    private volatile boolean stoodAlone;

    /**
     * @param standalone whether the node currently stands alone (cut off from the broker)
     * @param sink       where events go, on the reader's thread, in stream order
     */
    StreamReader(ValkeySettings settings, String stream, JedisClientConfig config, BooleanSupplier standalone,
                 Consumer<Event> sink) {
        this.settings = settings;
        this.stream = stream;
        this.config = config;
        this.standalone = standalone;
        this.sink = sink;
        this.thread = new Thread(this::run, "btclock-valkey-reader");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** When the reader last heard from the broker ({@link System#nanoTime()}). */
    long lastHeardNanos() {
        return lastHeardNanos;
    }

    /** Whether the reader has had its first snapshot. */
    boolean heard() {
        return heard;
    }

    long sequenceGaps() {
        return seqGaps.sum();
    }

    long resnapshots() {
        return resnapshots.sum();
    }

    /** The node stands alone: when the reader reads again, it catches up from the snapshot. */
    void markStoodAlone() {
        stoodAlone = true;
    }

    /** Breaks the reader's connection: it reconnects and catches up from the snapshot if the node stood alone. */
    void reconnect() {
        disconnect(connection);
    }

    private void run() {
        StreamEntryID last = null;
        Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(10));
        boolean down = false;
        while (!closed) {
            Jedis conn = null;
            try {
                conn = new Jedis(new HostAndPort(settings.url().host(), settings.url().port()), config);
                connection = conn;
                if (last == null) {
                    last = resnapshot(conn, "start");
                } else if (stoodAlone) {
                    // What the fleet published meanwhile is older than what this node served on its own:
                    // catch up from the current values (each applied only if newer), do not replay.
                    // The flag stays while the node still stands alone: the next reconnect does the same.
                    stoodAlone = standalone.getAsBoolean();
                    last = resnapshot(conn, "after standing alone");
                } else {
                    last = checkAfterReconnect(conn, last);
                }
                lastHeardNanos = System.nanoTime();
                heard = true;
                if (down) {
                    LOG.info("valkey bus: broker {} is back; reading from {}", settings.url(), last);
                    down = false;
                }
                backoff.reset();
                while (!closed) {
                    List<Map.Entry<String, List<StreamEntry>>> reply = conn.xread(
                            XReadParams.xReadParams().block(BLOCK_MILLIS).count(BATCH), Map.of(stream, last));
                    lastHeardNanos = System.nanoTime();
                    if (reply == null || reply.isEmpty()) {
                        continue;
                    }
                    List<StreamEntry> entries = reply.get(0).getValue();
                    last = deliver(conn, entries, last);
                    if (entries.size() == BATCH) {
                        // Lagging far behind: the producer may have trimmed past us.
                        last = checkTrimmed(conn, last);
                    }
                }
            } catch (JedisException e) {
                if (closed) {
                    break;
                }
                if (!down) {
                    LOG.warn("valkey bus: lost the broker {} ({}); retrying, will resume from {}", settings.url(),
                            e.getMessage(), last);
                    down = true;
                }
                pause(backoff.next().toMillis());
            } catch (RuntimeException e) {
                // Never a dead reader behind a live lease: log it, reconnect, and catch up from the snapshot.
                if (closed) {
                    break;
                }
                LOG.error("valkey bus: reading failed; reconnecting", e);
                down = true;
                stoodAlone = true;
                pause(backoff.next().toMillis());
            } finally {
                connection = null;
                disconnect(conn);
            }
        }
    }

    /**
     * Delivers entries in order. A repeated sequence number (a write retried after its reply was lost)
     * is skipped; on a gap it re-snapshots and drops the rest of the batch (older than the snapshot).
     */
    private StreamEntryID deliver(Jedis conn, List<StreamEntry> entries, StreamEntryID last) {
        for (StreamEntry entry : entries) {
            Map<String, String> f = entry.getFields();
            String from = f.get(StreamEntries.NODE);
            Long n = parseLong(f.get(StreamEntries.SEQ));
            if (from != null && n != null) {
                Long prev = seqByNode.get(from);
                if (prev != null && n.longValue() == prev) {
                    last = entry.getID();
                    continue;
                }
                seqByNode.put(from, n);
                if (prev != null && n != prev + 1) {
                    seqGaps.increment();
                    LOG.warn("valkey bus: {} entries of node {} were trimmed before this node read them; re-snapshotting",
                            n - prev - 1, from);
                    return resnapshot(conn, "sequence gap");
                }
            }
            try {
                sink.accept(StreamEntries.event(f));
            } catch (IllegalArgumentException | DateTimeException e) {
                LOG.warn("valkey bus: skipping unreadable entry {}: {}", entry.getID(), e.getMessage());
            }
            last = entry.getID();
        }
        return last;
    }

    /** After a reconnect: a reset stream (broker restarted empty) or a trim past {@code last} means re-snapshot. */
    private StreamEntryID checkAfterReconnect(Jedis conn, StreamEntryID last) {
        List<StreamEntry> tail = conn.xrevrange(stream, "+", "-", 1);
        if (tail.isEmpty() || tail.get(0).getID().compareTo(last) < 0) {
            LOG.warn("valkey bus: the stream {} was reset (broker restarted without its data?); re-snapshotting", stream);
            return resnapshot(conn, "stream reset");
        }
        return checkTrimmed(conn, last);
    }

    private StreamEntryID checkTrimmed(Jedis conn, StreamEntryID last) {
        List<StreamEntry> first = conn.xrange(stream, "-", "+", 1);
        if (!first.isEmpty() && first.get(0).getID().compareTo(last) > 0 && !last.equals(new StreamEntryID(0, 0))) {
            Map<String, String> f = first.get(0).getFields();
            Long prev = seqByNode.get(f.get(StreamEntries.NODE));
            Long n = parseLong(f.get(StreamEntries.SEQ));
            if (prev == null || n == null || n != prev + 1) {
                if (prev != null) {
                    // Same producer, missing numbers: a counted gap. Another producer: unknowable, re-read anyway.
                    seqGaps.increment();
                }
                LOG.warn("valkey bus: entries after {} may have been trimmed before this node read them; re-snapshotting", last);
                return resnapshot(conn, "trimmed");
            }
        }
        return last;
    }

    /**
     * Reads the snapshot keys and the stream's tail in one script, hands the snapshot on as events
     * and returns the tail id to read after.
     */
    private StreamEntryID resnapshot(Jedis conn, String why) {
        resnapshots.increment();
        List<?> r = (List<?>) conn.eval(SNAPSHOT, List.of(settings.prefix() + "currencies", stream),
                List.of(settings.prefix()));
        Instant now = Instant.now();
        List<Event> events = new ArrayList<>();
        String source = EventBus.SNAPSHOT_SOURCE;
        try {
            List<?> prices = (List<?>) r.get(4);
            for (int i = 0; i + 2 < prices.size(); i += 3) {
                String value = string(prices.get(i + 1));
                if (!value.isEmpty()) {
                    events.add(new PriceUpdate(string(prices.get(i)), Double.parseDouble(value),
                            at(prices.get(i + 2), now), source));
                }
            }
            String height = string(r.get(1));
            if (!height.isEmpty()) {
                String hash = string(r.get(2));
                events.add(new BlockUpdate(Long.parseLong(height), hash.isEmpty() ? null : hash, at(r.get(5), now), source));
            }
            String fee = string(r.get(3));
            if (!fee.isEmpty()) {
                events.add(new FeeUpdate(Double.parseDouble(fee), at(r.get(6), now), source));
            }
        } catch (IllegalArgumentException e) {
            LOG.warn("valkey bus: unreadable snapshot key skipped: {}", e.getMessage());
        }
        events.forEach(sink);
        seqByNode.clear();
        String tail = string(r.get(0));
        StreamEntryID from = tail.isEmpty() ? new StreamEntryID(0, 0) : new StreamEntryID(tail);
        LOG.info("valkey bus: snapshot ({}): {} values, reading after {}", why, events.size(), from);
        return from;
    }

    /** The recorded time of a snapshot value, or {@code unknown} for a value written without one. */
    private static Instant at(Object epochMillis, Instant unknown) {
        String s = string(epochMillis);
        return s.isEmpty() ? unknown : Instant.ofEpochMilli(Long.parseLong(s));
    }

    private static String string(Object o) {
        if (o instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        return o == null ? "" : o.toString();
    }

    private static Long parseLong(String s) {
        try {
            return s == null ? null : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private void pause(long millis) {
        synchronized (pause) {
            if (closed) {
                return;
            }
            try {
                pause.wait(Math.max(1, millis));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void disconnect(Jedis conn) {
        if (conn != null) {
            try {
                conn.disconnect();
            } catch (RuntimeException ignored) {
                // broken already
            }
        }
    }

    /** Stops reading: breaks a blocked {@code XREAD} at once instead of waiting out the block. */
    @Override
    public void close() {
        closed = true;
        synchronized (pause) {
            pause.notifyAll();
        }
        disconnect(connection);
        try {
            thread.join(6000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
