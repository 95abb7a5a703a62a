package dev.btclock.nostr;

import dev.btclock.core.retry.Backoff;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Publishes BTClock data to a set of relays: the latest value of every slot ({@link Slots}: at
 * most one event per slot per second, newest wins, refreshed every {@code refresh}), each signed
 * with fresh random aux and sent to all relays in parallel, every relay kept connected with capped,
 * jittered backoff. {@link #price}, {@link #block} and {@link #fee} never block: they only record
 * the value. Results are counted per relay and outcome.
 */
public final class NostrPublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NostrPublisher.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final NostrKeys keys;
    private final Clock clock;
    private final boolean legacy;
    private final Slots slots;
    private final Map<String, Relay> relays = new LinkedHashMap<>();
    private final Map<String, LongAdder> results = new ConcurrentHashMap<>();
    private final ScheduledExecutorService ticker;
    private volatile Long height;
    private volatile Double fee;
    private volatile Long usd;

    private final class Relay {
        final URI url;
        RelayClient client;
        long retryAt;
        final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60));
        boolean connecting;
        boolean wasConnected;

        Relay(URI url) {
            this.url = url;
        }
    }

    /**
     * @param relays  relay URLs ({@code wss://} or {@code ws://})
     * @param refresh every slot is re-published at least this often
     * @param legacy  also publish the combined kind-12203 event of v3.3
     */
    public NostrPublisher(NostrKeys keys, List<URI> relays, Duration refresh, boolean legacy, Clock clock) {
        this.keys = keys;
        this.clock = clock;
        this.legacy = legacy;
        this.slots = new Slots(refresh);
        for (URI u : relays) {
            this.relays.put(u.toString(), new Relay(u));
        }
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "btclock-nostr");
            t.setDaemon(true);
            return t;
        });
    }

    /** Connects and starts publishing; logs the public key (never the secret). */
    public void start() {
        LOG.info("nostr: publishing as {} ({}) to {}", keys.npub(), keys.publicKeyHex(), relays.keySet());
        ticker.scheduleWithFixedDelay(this::tick, 0, 250, TimeUnit.MILLISECONDS);
    }

    /** A new price. */
    public void price(String currency, long price) {
        if (currency.equals("USD")) {
            usd = price;
        }
        slots.offer(BtclockEvents.price(currency, price, height, fee));
        offerLegacy();
    }

    /** A new tip. */
    public void block(long h) {
        height = h;
        slots.offer(BtclockEvents.blockheight(h, fee));
        offerLegacy();
    }

    /** A new stored fee (already rounded as the wire protocol stores it). */
    public void fee(double f) {
        fee = f;
        slots.offer(BtclockEvents.medianFee(f));
    }

    private void offerLegacy() {
        if (legacy && usd != null && height != null && fee != null) {
            slots.offer(BtclockEvents.legacy(usd, height, fee));
        }
    }

    /** Publish outcomes so far, keyed {@code relay|outcome}. */
    public Map<String, Long> results() {
        Map<String, Long> m = new LinkedHashMap<>();
        results.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    /** Whether each relay is connected now. */
    public Map<String, Boolean> connected() {
        Map<String, Boolean> m = new LinkedHashMap<>();
        synchronized (relays) {
            relays.forEach((k, r) -> m.put(k, r.client != null && r.client.connected()));
        }
        return m;
    }

    private void tick() {
        try {
            keepConnected();
            if (!connected().containsValue(true)) {
                // Nothing can be delivered: keep the slots waiting rather than spend them.
                return;
            }
            long now = clock.instant().getEpochSecond();
            for (Slots.Due due : slots.due(now)) {
                byte[] aux = new byte[32];
                RANDOM.nextBytes(aux);
                NostrEvent e = due.draft().sign(keys, due.createdAt(), aux);
                List<Relay> targets;
                synchronized (relays) {
                    targets = new ArrayList<>(relays.values());
                }
                for (Relay r : targets) {
                    RelayClient c = r.client;
                    if (c == null || !c.connected()) {
                        count(r, "failed", "not connected");
                        continue;
                    }
                    c.publish(e).thenAccept(res -> count(r, res.outcome().name().toLowerCase(java.util.Locale.ROOT), res.reason()));
                }
            }
        } catch (RuntimeException e) {
            LOG.error("nostr: publishing round failed", e);
        }
    }

    private void count(Relay r, String outcome, String reason) {
        results.computeIfAbsent(r.url + "|" + outcome, k -> new LongAdder()).increment();
        if (!outcome.equals("delivered")) {
            LOG.debug("nostr: {} {}: {}", r.url, outcome, reason);
        }
    }

    private void keepConnected() {
        long now = System.currentTimeMillis();
        synchronized (relays) {
            for (Relay r : relays.values()) {
                boolean up = r.client != null && r.client.connected();
                if (up) {
                    if (!r.wasConnected) {
                        r.wasConnected = true;
                        r.backoff.reset();
                    }
                    continue;
                }
                if (r.wasConnected) {
                    r.wasConnected = false;
                    LOG.warn("nostr: lost {}; reconnecting", r.url);
                }
                if (r.connecting || now < r.retryAt) {
                    continue;
                }
                if (r.client != null) {
                    r.client.close();
                }
                r.connecting = true;
                RelayClient c = new RelayClient(r.url, keys, clock, Duration.ofSeconds(10));
                r.client = c;
                c.connect().whenComplete((ok, err) -> {
                    synchronized (relays) {
                        r.connecting = false;
                        if (err != null) {
                            long wait = r.backoff.next().toMillis();
                            r.retryAt = System.currentTimeMillis() + wait;
                            LOG.debug("nostr: cannot reach {}: {}; retrying in {} ms", r.url, err.toString(), wait);
                        }
                    }
                });
            }
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        synchronized (relays) {
            relays.values().forEach(r -> {
                if (r.client != null) {
                    r.client.close();
                }
            });
        }
    }
}
