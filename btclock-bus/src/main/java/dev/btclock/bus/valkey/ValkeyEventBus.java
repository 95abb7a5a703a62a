package dev.btclock.bus.valkey;

import dev.btclock.bus.spi.BusStatus;
import dev.btclock.bus.spi.EventBus;
import dev.btclock.bus.spi.Leadership;
import dev.btclock.bus.spi.LocalDelivery;
import dev.btclock.core.event.Event;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisProtocol;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The fleet bus on Valkey (or Redis) Streams, assembled from its parts: the leader's
 * {@link StreamPublisher} (outbox and fenced script: the lease is checked in the broker, then the
 * snapshot keys ({@code MSET}) and the stream ({@code XADD ... MAXLEN ~ n}) are written with the
 * node's id and a sequence number), every node's {@link StreamReader} (which delivers what it reads
 * to local subscribers, without loss or reordering, re-snapshotting on gaps, trims and resets), the
 * {@link LeaderLease}, and a {@link LocalDelivery} to this process's subscribers.
 *
 * <p>This class decides only what crosses between them: a node standing alone (cut off from the
 * broker) delivers its own events locally; when it rejoins, it either publishes its current values
 * again (as the new leader) or catches up from the snapshot (as a follower).
 */
public final class ValkeyEventBus implements EventBus {

    private static final Logger LOG = LoggerFactory.getLogger(ValkeyEventBus.class);

    private final ValkeySettings settings;
    private final String node = UUID.randomUUID().toString().substring(0, 8);
    private final String stream;
    private final RedisClient redis;
    private final LeaderLease lease;
    private final LocalDelivery local = new LocalDelivery(10_000, StreamPublisher.OUTBOX);
    private final StreamPublisher publisher;
    private final StreamReader reader;
    private volatile boolean closed;

    ValkeyEventBus(ValkeySettings settings) {
        this.settings = settings;
        this.stream = settings.prefix() + "events";
        BrokerUrl url = settings.url();
        JedisClientConfig readerConfig = DefaultJedisClientConfig.builder()
                .user(url.user()).password(url.password()).database(url.database()).ssl(url.tls())
                .connectionTimeoutMillis(5000).socketTimeoutMillis(5000)
                .clientName("btclock-reader-" + node).protocol(RedisProtocol.RESP2)
                .blockingSocketTimeoutMillis(StreamReader.BLOCK_MILLIS + 5000).build();
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(4);
        pool.setMaxWait(Duration.ofSeconds(5));
        pool.setTestWhileIdle(true);
        this.redis = RedisClient.builder().hostAndPort(url.host(), url.port())
                .clientConfig(DefaultJedisClientConfig.builder().user(url.user()).password(url.password())
                        .database(url.database()).ssl(url.tls()).connectionTimeoutMillis(5000).socketTimeoutMillis(5000)
                        .clientName("btclock-" + node).protocol(RedisProtocol.RESP2).build())
                .poolConfig(pool).build();
        this.publisher = new StreamPublisher(settings, node, stream, redis);
        this.reader = new StreamReader(settings, stream, readerConfig, this::standalone, local::publish);
        this.lease = new LeaderLease(redis, settings.prefix() + "leader", node, settings.lease(), settings.staleAfter(),
                reader::lastHeardNanos, new Standalone());
    }

    /** Starts reading, publishing and competing for the lease. */
    void start() {
        LOG.info("valkey bus: node {} on {}, stream {}", node, settings.url(), stream);
        reader.start();
        publisher.start();
        lease.start();
    }

    private boolean standalone() {
        return lease.role() == BusStatus.Role.STANDALONE;
    }

    /** This node's id in the stream and the lease. */
    @Override
    public String nodeId() {
        return node;
    }

    /** Sequence gaps seen (entries trimmed before this node read them). */
    @Override
    public long sequenceGaps() {
        return reader.sequenceGaps();
    }

    /** Times this node re-read the snapshot keys. */
    @Override
    public long resnapshots() {
        return reader.resnapshots();
    }

    /** Events dropped because the outbox was full while the broker was unreachable. */
    public long dropped() {
        return publisher.dropped();
    }

    @Override
    public Leadership leadership() {
        return lease;
    }

    /** Healthy once the reader has its snapshot and the broker answered within {@code BROKER_STALE_SECONDS}. */
    @Override
    public boolean healthy() {
        return !closed && reader.heard() && System.nanoTime() - lastContactNanos() < settings.staleAfter().toNanos();
    }

    @Override
    public BusStatus status() {
        return new BusStatus(lease.role(), healthy(),
                Duration.ofNanos(Math.max(0, System.nanoTime() - lastContactNanos())));
    }

    /** When the broker last answered any part of this bus (reader or lease). */
    private long lastContactNanos() {
        long read = reader.lastHeardNanos();
        long renewed = lease.lastContactNanos();
        return read - renewed > 0 ? read : renewed;
    }

    @Override
    public String toString() {
        return "valkey(" + settings.url() + ")";
    }

    /**
     * Queues the event for the stream; the oldest queued event is dropped when the broker is away
     * for long. A node standing alone (cut off from the broker) delivers to its own subscribers only.
     */
    @Override
    public void publish(Event event) {
        if (!closed && !publisher.offer(event, this::standalone)) {
            local.publish(event);
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
        return local.subscribe(subscriber);
    }

    /** The bus's side of standing alone: local delivery, then catching up or re-publishing when the broker is back. */
    private final class Standalone implements LeaderLease.Transitions {
        @Override
        public void standalone() {
            reader.markStoodAlone();
            // Published while leading but never written: this node's devices get them now.
            publisher.takeUnsent().forEach(local::publish);
        }

        @Override
        public void rejoinedAsLeader() {
            // The broker's record may be empty (restarted) or older than what this node served alone.
            List<Event> resync = publisher.resync();
            LOG.info("valkey bus: publishing this node's {} current values again for the fleet", resync.size());
            resync.forEach(ValkeyEventBus.this::publish);
            reader.reconnect();
        }

        @Override
        public void rejoinedAsFollower() {
            // The upstream stops with the leadership; the reader catches up from the snapshot now.
            reader.reconnect();
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        publisher.close();
        lease.close();
        reader.close();
        redis.close();
        local.close();
    }
}
