package dev.btclock.nostr;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Publishes BTClock data to a set of relays: the latest value of every slot ({@link Slots}: at
 * most one event per slot per second, newest wins, refreshed every {@code refresh}), each signed
 * with fresh random aux and handed to a {@link RelayPool} (all relays in parallel, re-sends,
 * reconnection). {@link #price}, {@link #block} and {@link #fee} never block: they only record
 * the value; signing and sending happen on the publisher's own thread.
 */
public final class NostrPublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NostrPublisher.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final NostrKeys keys;
    private final Clock clock;
    private final boolean legacy;
    private final Slots slots;
    private final RelayPool pool;
    private final ScheduledExecutorService ticker;
    private volatile Long height;
    private volatile Double fee;
    private volatile Long usd;
    private final long priceInterval;

    /** A publisher with the pool's {@link RelayPool.Timing#DEFAULTS}. */
    public NostrPublisher(NostrKeys keys, List<URI> relays, Duration refresh, boolean legacy, Clock clock) {
        this(keys, relays, refresh, legacy, clock, RelayPool.Timing.DEFAULTS);
    }

    /**
     * @param relays  relay URLs ({@code wss://} or {@code ws://})
     * @param refresh every slot is re-published at least this often
     * @param legacy  also publish the combined kind-12203 event of v3.3
     * @param timing  timeouts, pings and re-sends of the relay pool
     */
    public NostrPublisher(NostrKeys keys, List<URI> relays, Duration refresh, boolean legacy, Clock clock,
                          RelayPool.Timing timing) {
        this(keys, relays, refresh, Duration.ofSeconds(1), legacy, clock, timing);
    }

    /**
     * @param relays        relay URLs ({@code wss://} or {@code ws://})
     * @param refresh       every slot is re-published at least this often
     * @param priceInterval a price slot (and the legacy event, for a price change) is published at most this often;
     *                      the newest value wins (blocks and fees: at most once a second)
     * @param legacy        also publish the combined kind-12203 event of v3.3
     * @param timing        timeouts, pings and re-sends of the relay pool
     */
    public NostrPublisher(NostrKeys keys, List<URI> relays, Duration refresh, Duration priceInterval, boolean legacy, Clock clock,
                          RelayPool.Timing timing) {
        this.priceInterval = Math.max(1, priceInterval.toSeconds());
        this.keys = keys;
        this.clock = clock;
        this.legacy = legacy;
        this.slots = new Slots(refresh);
        this.pool = new RelayPool(keys, relays, clock, timing);
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "btclock-nostr");
            t.setDaemon(true);
            return t;
        });
    }

    /** Connects and starts publishing; logs the public key (never the secret). */
    public void start() {
        LOG.info("nostr: publishing as {} ({}) to {}", keys.npub(), keys.publicKeyHex(), pool.connected().keySet());
        pool.start();
        ticker.scheduleWithFixedDelay(this::tick, 0, 250, TimeUnit.MILLISECONDS);
    }

    /** A new price. */
    public void price(String currency, long price) {
        if (currency.equals("USD")) {
            usd = price;
        }
        slots.offer(BtclockEvents.price(currency, price, height, fee), priceInterval);
        offerLegacy(priceInterval);
    }

    /** A new tip. */
    public void block(long h) {
        height = h;
        slots.offer(BtclockEvents.blockheight(h, fee));
        offerLegacy(1);
    }

    /** A new stored fee (already rounded as the wire protocol stores it). */
    public void fee(double f) {
        fee = f;
        slots.offer(BtclockEvents.medianFee(f));
        offerLegacy(1);
    }

    private void offerLegacy(long minIntervalSeconds) {
        if (legacy && usd != null && height != null && fee != null) {
            slots.offer(BtclockEvents.legacy(usd, height, fee), minIntervalSeconds);
        }
    }

    /** The counters of each relay, by URL. */
    public Map<String, RelayStats> stats() {
        return pool.stats();
    }

    /** Whether each relay is connected now, by URL. */
    public Map<String, Boolean> connected() {
        return pool.connected();
    }

    private void tick() {
        try {
            if (!pool.anyConnected()) {
                // Nothing can be delivered: keep the slots waiting rather than spend them.
                return;
            }
            long now = clock.instant().getEpochSecond();
            for (Slots.Due due : slots.due(now)) {
                byte[] aux = new byte[32];
                RANDOM.nextBytes(aux);
                pool.publish(due.draft().sign(keys, due.createdAt(), aux));
            }
        } catch (RuntimeException e) {
            LOG.error("nostr: publishing round failed", e);
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        pool.close();
    }
}
