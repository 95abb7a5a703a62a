package dev.btclock.bus.valkey;

import dev.btclock.bus.inproc.InProcEventBus;
import dev.btclock.bus.spi.EventBus;
import dev.btclock.bus.spi.Leadership;
import dev.btclock.core.event.BlockUpdate;
import dev.btclock.core.event.Event;
import dev.btclock.core.event.FeeUpdate;
import dev.btclock.core.event.PriceUpdate;
import dev.btclock.core.retry.Backoff;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XReadParams;
import redis.clients.jedis.resps.StreamEntry;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The fleet bus on Valkey (or Redis) Streams. The leader's events go, in one script that first
 * checks the leader lease (fencing), into the snapshot keys ({@code MSET}) and the stream
 * ({@code XADD ... MAXLEN ~ n}) with the node's id and a sequence number. Every node, the leader
 * included, reads the stream with {@code XREAD BLOCK 5000} on a connection of its own (socket
 * timeout longer than the block) and delivers to its local subscribers through an in-process bus.
 *
 * <p>Nothing is lost or replayed out of order: a node starts from a snapshot of the keys and the
 * stream's tail taken atomically; after a broken connection it resumes from its last id, never
 * from {@code $}; when it finds entries it did not read were trimmed (a sequence gap, or its last
 * id older than the stream's first entry), or that the stream was reset (a broker restart without
 * persistence), it re-snapshots and continues from the tail. Gaps are counted.
 */
public final class ValkeyEventBus implements EventBus {

    private static final Logger LOG = LoggerFactory.getLogger(ValkeyEventBus.class);
    private static final int BLOCK_MILLIS = 5000;
    private static final int BATCH = 1000;
    private static final int OUTBOX = 10_000;
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
    private final String node = UUID.randomUUID().toString().substring(0, 8);
    private final String stream;
    private final JedisClientConfig readerConfig;
    private final RedisClient redis;
    private final LeaderLease lease;
    private final InProcEventBus local = new InProcEventBus(InProcEventBus.DEFAULT_CAPACITY);
    private final ArrayDeque<Event> outbox = new ArrayDeque<>();
    private final List<Event> beforeFirstSubscriber = new ArrayList<>();
    private boolean subscribed;
    private final Thread publisher;
    private final Thread reader;
    private final Map<String, Long> seqByNode = new HashMap<>();
    /** The latest event this node published per datum: what it publishes again when it leads after standing alone. */
    private final Map<String, Event> latestPublished = new java.util.concurrent.ConcurrentHashMap<>();
    /** The node stood alone since the reader last read: it catches up from the snapshot, not by replaying. */
    private volatile boolean stoodAlone;
    private final LongAdder seqGaps = new LongAdder();
    private final LongAdder resnapshots = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private volatile boolean closed;
    private volatile long lastHeardNanos;
    private volatile boolean heard;
    private volatile Jedis readerConnection;
    private long seq;

    ValkeyEventBus(ValkeySettings settings) {
        this.settings = settings;
        this.stream = settings.prefix() + "events";
        BrokerUrl url = settings.url();
        this.readerConfig = DefaultJedisClientConfig.builder()
                .user(url.user()).password(url.password()).database(url.database()).ssl(url.tls())
                .connectionTimeoutMillis(5000).socketTimeoutMillis(5000)
                .clientName("btclock-reader-" + node).protocol(RedisProtocol.RESP2)
                .blockingSocketTimeoutMillis(BLOCK_MILLIS + 5000).build();
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(4);
        pool.setMaxWait(Duration.ofSeconds(5));
        pool.setTestWhileIdle(true);
        this.redis = RedisClient.builder().hostAndPort(url.host(), url.port())
                .clientConfig(DefaultJedisClientConfig.builder().user(url.user()).password(url.password())
                        .database(url.database()).ssl(url.tls()).connectionTimeoutMillis(5000).socketTimeoutMillis(5000)
                        .clientName("btclock-" + node).protocol(RedisProtocol.RESP2).build())
                .poolConfig(pool).build();
        this.lease = new LeaderLease(redis, settings.prefix() + "leader", node, settings.lease(), settings.staleAfter(),
                () -> lastHeardNanos, new Standalone());
        this.publisher = new Thread(this::publishLoop, "btclock-valkey-publisher");
        this.publisher.setDaemon(true);
        this.reader = new Thread(this::readLoop, "btclock-valkey-reader");
        this.reader.setDaemon(true);
    }

    /** Starts reading, publishing and competing for the lease. */
    void start() {
        LOG.info("valkey bus: node {} on {}, stream {}", node, settings.url(), stream);
        reader.start();
        publisher.start();
        lease.start();
    }

    /** This node's id in the stream and the lease. */
    @Override
    public String nodeId() {
        return node;
    }

    /** Sequence gaps seen (entries trimmed before this node read them). */
    @Override
    public long sequenceGaps() {
        return seqGaps.sum();
    }

    /** Times this node re-read the snapshot keys. */
    @Override
    public long resnapshots() {
        return resnapshots.sum();
    }

    /** Events dropped because the outbox was full while the broker was unreachable. */
    public long dropped() {
        return dropped.sum();
    }

    @Override
    public Leadership leadership() {
        return lease;
    }

    /** Healthy once the reader has its snapshot and the broker answered within {@code BROKER_STALE_SECONDS}. */
    @Override
    public boolean healthy() {
        return !closed && heard && System.nanoTime() - lastContactNanos() < settings.staleAfter().toNanos();
    }

    @Override
    public dev.btclock.bus.spi.BusStatus status() {
        return new dev.btclock.bus.spi.BusStatus(lease.role(), healthy(),
                Duration.ofNanos(Math.max(0, System.nanoTime() - lastContactNanos())));
    }

    /** When the broker last answered any part of this bus (reader or lease). */
    private long lastContactNanos() {
        long reader = lastHeardNanos;
        long lease = this.lease.lastContactNanos();
        return reader - lease > 0 ? reader : lease;
    }

    @Override
    public String toString() {
        return "valkey(" + settings.url() + ")";
    }

    // ------------------------------------------------------------------ publishing

    /**
     * Queues the event for the stream; the oldest queued event is dropped when the broker is away
     * for long. A node standing alone (cut off from the broker) delivers to its own subscribers only.
     */
    @Override
    public void publish(Event event) {
        latestPublished.put(StreamEntries.datum(event), event);
        boolean local;
        synchronized (outbox) {
            if (closed) {
                return;
            }
            // Under the outbox's lock: entering standalone drains the outbox under it too, so an
            // event is either drained and delivered, or sees the new role; never stranded.
            local = lease.role() == dev.btclock.bus.spi.BusStatus.Role.STANDALONE;
            if (!local) {
                if (outbox.size() >= OUTBOX) {
                    outbox.pollFirst();
                    dropped.increment();
                }
                outbox.addLast(event);
                outbox.notifyAll();
            }
        }
        if (local) {
            deliverLocally(event);
        }
    }

    private void publishLoop() {
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
                pause(outbox, backoff);
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
        long s;
        synchronized (this) {
            s = ++seq;
        }
        args.add(StreamEntries.NODE);
        args.add(node);
        args.add(StreamEntries.SEQ);
        args.add(Long.toString(s));
        StreamEntries.fields(e).forEach((k, v) -> {
            args.add(k);
            args.add(v);
        });
        args.add(dev.btclock.bus.spi.EventBus.RESYNC_SOURCE.equals(e.source()) ? "1" : "0");
        Object r = redis.eval(PUBLISH, keys, args);
        if (r instanceof Long n && n == 1) {
            return true;
        }
        synchronized (this) {
            // Not written: the next written entry must continue the sequence without a gap.
            seq--;
        }
        return false;
    }

    // ------------------------------------------------------------------ reading

    private void readLoop() {
        StreamEntryID last = null;
        Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(10));
        boolean down = false;
        while (!closed) {
            Jedis conn = null;
            try {
                conn = new Jedis(new HostAndPort(settings.url().host(), settings.url().port()), readerConfig);
                readerConnection = conn;
                if (last == null) {
                    last = resnapshot(conn, "start");
                } else if (stoodAlone) {
                    // What the fleet published meanwhile is older than what this node served on its own:
                    // catch up from the current values (each applied only if newer), do not replay.
                    // The flag stays while the node still stands alone: the next reconnect does the same.
                    stoodAlone = lease.role() == dev.btclock.bus.spi.BusStatus.Role.STANDALONE;
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
                pause(this, backoff.next().toMillis());
            } catch (RuntimeException e) {
                // Never a dead reader behind a live lease: log it, reconnect, and catch up from the snapshot.
                if (closed) {
                    break;
                }
                LOG.error("valkey bus: reading failed; reconnecting", e);
                down = true;
                stoodAlone = true;
                pause(this, backoff.next().toMillis());
            } finally {
                readerConnection = null;
                if (conn != null) {
                    try {
                        conn.close();
                    } catch (RuntimeException ignored) {
                        // broken already
                    }
                }
            }
        }
    }

    /** Delivers entries in order; on a sequence gap re-snapshots and drops the rest of the batch (older than the snapshot). */
    private StreamEntryID deliver(Jedis conn, List<StreamEntry> entries, StreamEntryID last) {
        for (StreamEntry entry : entries) {
            Map<String, String> f = entry.getFields();
            String from = f.get(StreamEntries.NODE);
            Long n = parseLong(f.get(StreamEntries.SEQ));
            if (from != null && n != null) {
                Long prev = seqByNode.put(from, n);
                if (prev != null && n != prev + 1) {
                    seqGaps.increment();
                    LOG.warn("valkey bus: {} entries of node {} were trimmed before this node read them; re-snapshotting",
                            n - prev - 1, from);
                    return resnapshot(conn, "sequence gap");
                }
            }
            try {
                deliverLocally(StreamEntries.event(f));
            } catch (IllegalArgumentException | java.time.DateTimeException e) {
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
     * Reads the snapshot keys and the stream's tail in one transaction, delivers the snapshot as
     * events and returns the tail id to read after.
     */
    private StreamEntryID resnapshot(Jedis conn, String why) {
        resnapshots.increment();
        Object reply = conn.eval(SNAPSHOT, List.of(settings.prefix() + "currencies", stream), List.of(settings.prefix()));
        List<?> r = (List<?>) reply;
        Instant now = Instant.now();
        List<Event> events = new ArrayList<>();
        String source = dev.btclock.bus.spi.EventBus.SNAPSHOT_SOURCE;
        try {
            List<?> prices = (List<?>) r.get(4);
            for (int i = 0; i + 2 < prices.size(); i += 3) {
                String value = string(prices.get(i + 1));
                if (!value.isEmpty()) {
                    events.add(new PriceUpdate(string(prices.get(i)), Double.parseDouble(value), at(prices.get(i + 2), now), source));
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
        events.forEach(this::deliverLocally);
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
            return new String(b, java.nio.charset.StandardCharsets.UTF_8);
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

    private void pause(Object monitor, long millis) {
        synchronized (monitor) {
            if (closed) {
                return;
            }
            try {
                monitor.wait(Math.max(1, millis));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ------------------------------------------------------------------ subscribers and lifecycle

    /**
     * Registers a subscriber. What the reader delivered before the first subscriber existed (the
     * start snapshot: the current values) is handed to that first subscriber, so a node that
     * subscribes a moment after creating the bus still starts from the current state; later
     * subscribers get what arrives after they subscribed, as on any bus.
     */
    @Override
    public Subscription subscribe(Consumer<Event> subscriber) {
        Subscription s = local.subscribe(subscriber);
        synchronized (beforeFirstSubscriber) {
            if (!subscribed) {
                subscribed = true;
                beforeFirstSubscriber.forEach(local::publish);
                beforeFirstSubscriber.clear();
            }
        }
        return s;
    }

    private void deliverLocally(Event e) {
        synchronized (beforeFirstSubscriber) {
            if (!subscribed) {
                if (beforeFirstSubscriber.size() < OUTBOX) {
                    beforeFirstSubscriber.add(e);
                }
                return;
            }
        }
        local.publish(e);
    }

    /** The bus's side of standing alone: local delivery, then catching up or re-publishing when the broker is back. */
    private final class Standalone implements LeaderLease.Transitions {
        @Override
        public void standalone() {
            stoodAlone = true;
            List<Event> unsent;
            synchronized (outbox) {
                unsent = new ArrayList<>(outbox);
                outbox.clear();
                // What it republishes when it leads again: only what it gets from now on.
                latestPublished.clear();
                unsent.forEach(e -> latestPublished.put(StreamEntries.datum(e), e));
            }
            // Published while leading but never written: this node's devices get them now.
            unsent.forEach(ValkeyEventBus.this::deliverLocally);
        }

        @Override
        public void rejoinedAsLeader() {
            // The broker's record may be empty (restarted) or older than what this node served alone.
            List<Event> resync = latestPublished.values().stream().map(StreamEntries::resync).toList();
            LOG.info("valkey bus: publishing this node's {} current values again for the fleet", resync.size());
            resync.forEach(ValkeyEventBus.this::publish);
            reconnectReader();
        }

        @Override
        public void rejoinedAsFollower() {
            // The upstream stops with the leadership; the reader catches up from the snapshot now.
            reconnectReader();
        }
    }

    /** Breaks the reader's connection: it reconnects and catches up from the snapshot ({@code stoodAlone}). */
    private void reconnectReader() {
        Jedis r = readerConnection;
        if (r != null) {
            try {
                r.disconnect();
            } catch (RuntimeException ignored) {
                // broken already
            }
        }
    }

    @Override
    public void close() {
        synchronized (outbox) {
            if (closed) {
                return;
            }
            closed = true;
            outbox.notifyAll();
        }
        synchronized (this) {
            notifyAll();
        }
        lease.close();
        Jedis r = readerConnection;
        if (r != null) {
            try {
                // Breaks the blocked XREAD at once instead of waiting out the block.
                r.disconnect();
            } catch (RuntimeException ignored) {
                // already broken
            }
        }
        join(reader);
        join(publisher);
        redis.close();
        local.close();
    }

    private static void join(Thread t) {
        try {
            t.join(6000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
