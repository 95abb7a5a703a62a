package dev.btclock.nostr;

import dev.btclock.core.retry.Backoff;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One connection per relay, kept open (pings, reconnection with capped, jittered backoff), and a
 * publish that goes to every relay in parallel with a result per relay. A publish answered
 * {@code rate-limited:}, left without an OK, or cut by a dropped connection is re-sent as the
 * identical signed event, after a growing delay, up to {@link Timing#attempts()} sends, unless a
 * newer event for the same address (kind, pubkey, {@code d}) was published meanwhile: then the old
 * one is {@link RelayClient.Outcome#SUPERSEDED}. Rejections are final.
 *
 * <p>Logs one line per change of a relay's state: connected, disconnected, unreachable (once per
 * outage), and rejecting (the first final failure after a delivery). Never logs the key.
 */
public final class RelayPool implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RelayPool.class);

    /**
     * Timing of the pool.
     *
     * @param okTimeout    how long to wait for an OK (and for a connection)
     * @param ping         ping interval; a relay silent for an interval after a ping is dropped and reconnected
     * @param retryBase    first delay before a re-send; doubled for each next one (with jitter)
     * @param retryMax     the longest delay before a re-send
     * @param attempts     sends of one event at most, the first included
     * @param reconnectMax the longest wait between reconnection attempts
     */
    public record Timing(Duration okTimeout, Duration ping, Duration retryBase, Duration retryMax, int attempts,
                         Duration reconnectMax) {
        /** 10 s OK timeout, 30 s pings, re-sends after 1, 2, 4, 8 s (5 sends), reconnects up to every 60 s. */
        public static final Timing DEFAULTS = new Timing(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(1),
                Duration.ofSeconds(30), 5, Duration.ofSeconds(60));

        /** Checks the values. */
        public Timing {
            if (attempts < 1 || okTimeout.isNegative() || okTimeout.isZero() || ping.isNegative() || ping.isZero()) {
                throw new IllegalArgumentException("timing needs positive timeouts and at least one attempt");
            }
        }
    }

    private final class Relay {
        final URI url;
        final RelayStats stats = new RelayStats();
        final Backoff reconnect = new Backoff(Duration.ofSeconds(1), timing.reconnectMax());
        RelayClient client;
        long retryAt;
        boolean connecting;
        boolean unreachableLogged;
        volatile boolean rejecting;

        Relay(URI url) {
            this.url = url;
        }

        boolean up() {
            RelayClient c = client;
            return c != null && c.connected();
        }
    }

    private final NostrKeys keys;
    private final Clock clock;
    private final Timing timing;
    private final Map<String, Relay> relays = new LinkedHashMap<>();
    /** The newest event id per address, so an older event's retry can give way. */
    private final Map<String, String> newest = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;
    private volatile boolean closed;

    /** A pool with {@link Timing#DEFAULTS}. */
    public RelayPool(NostrKeys keys, List<URI> relays, Clock clock) {
        this(keys, relays, clock, Timing.DEFAULTS);
    }

    /** A pool for {@code relays} ({@code wss://} or {@code ws://}); AUTH events are signed with {@code keys}. */
    public RelayPool(NostrKeys keys, List<URI> relays, Clock clock, Timing timing) {
        this.keys = keys;
        this.clock = clock;
        this.timing = timing;
        for (URI u : relays) {
            this.relays.put(u.toString(), new Relay(u));
        }
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "btclock-nostr-relays");
            t.setDaemon(true);
            return t;
        });
    }

    /** Connects to every relay and keeps them connected until {@link #close()}. */
    public void start() {
        timer.scheduleWithFixedDelay(this::keepConnected, 0, 250, TimeUnit.MILLISECONDS);
    }

    /** Whether each relay is connected now, by URL. */
    public Map<String, Boolean> connected() {
        Map<String, Boolean> m = new LinkedHashMap<>();
        synchronized (relays) {
            relays.forEach((k, r) -> m.put(k, r.up()));
        }
        return m;
    }

    /** Whether at least one relay is connected. */
    public boolean anyConnected() {
        return connected().containsValue(true);
    }

    /** The counters of each relay, by URL. */
    public Map<String, RelayStats> stats() {
        Map<String, RelayStats> m = new LinkedHashMap<>();
        synchronized (relays) {
            relays.forEach((k, r) -> m.put(k, r.stats));
        }
        return m;
    }

    /**
     * Sends {@code event} to every relay at once; the future completes when each relay has its
     * final result (after any re-sends), in the order of the relays. It never fails.
     */
    public CompletableFuture<List<RelayClient.Result>> publish(NostrEvent event) {
        String address = address(event);
        if (address != null) {
            newest.put(address, event.id());
        }
        List<Relay> targets;
        synchronized (relays) {
            targets = new ArrayList<>(relays.values());
        }
        List<CompletableFuture<RelayClient.Result>> each = new ArrayList<>();
        for (Relay r : targets) {
            r.stats.publishedOne();
            CompletableFuture<RelayClient.Result> done = new CompletableFuture<>();
            attempt(r, event, address, 1, new Backoff(timing.retryBase(), timing.retryMax()), done);
            each.add(done.thenApply(res -> {
                r.stats.finished(res);
                noteState(r, res);
                return res;
            }));
        }
        return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                .thenApply(v -> each.stream().map(CompletableFuture::join).toList());
    }

    private void attempt(Relay r, NostrEvent event, String address, int n, Backoff backoff,
                         CompletableFuture<RelayClient.Result> done) {
        RelayClient c = r.client;
        CompletableFuture<RelayClient.Result> sent = c != null && c.connected() ? c.publish(event)
                : CompletableFuture.completedFuture(new RelayClient.Result(r.url.toString(), RelayClient.Outcome.FAILED,
                "not-connected", "not connected"));
        sent.thenAccept(res -> {
            if (!res.retryable() || n >= timing.attempts() || closed) {
                done.complete(res);
                return;
            }
            long delay = backoff.next().toMillis();
            LOG.debug("nostr: {} {} for {}; sending it again in {} ms", r.url, res.code(), event.id(), delay);
            try {
                timer.schedule(() -> {
                    if (address != null && !event.id().equals(newest.get(address))) {
                        done.complete(new RelayClient.Result(r.url.toString(), RelayClient.Outcome.SUPERSEDED, "superseded",
                                "a newer event for " + address + " was published"));
                        return;
                    }
                    r.stats.retried();
                    attempt(r, event, address, n + 1, backoff, done);
                }, delay, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                done.complete(res);
            }
        });
    }

    /** {@code kind:pubkey:d} for addressable and replaceable events, whose newer versions replace older ones. */
    private static String address(NostrEvent e) {
        boolean addressable = e.kind() >= 30000 && e.kind() < 40000;
        boolean replaceable = e.kind() >= 10000 && e.kind() < 20000 || e.kind() == 0 || e.kind() == 3;
        if (!addressable && !replaceable) {
            return null;
        }
        String d = "";
        if (addressable) {
            d = e.tags().stream().filter(t -> t.size() >= 2 && t.get(0).equals("d")).map(t -> t.get(1)).findFirst().orElse("");
        }
        return e.kind() + ":" + e.pubkey() + ":" + d;
    }

    private void noteState(Relay r, RelayClient.Result res) {
        if (res.outcome() == RelayClient.Outcome.DELIVERED) {
            if (r.rejecting) {
                r.rejecting = false;
                LOG.info("nostr: {} accepts events again", r.url);
            }
        } else if (res.outcome() != RelayClient.Outcome.SUPERSEDED && !r.rejecting) {
            r.rejecting = true;
            LOG.warn("nostr: {} did not take an event: {} ({}); further failures are logged at debug until one is delivered",
                    r.url, res.reason(), res.code());
        } else {
            LOG.debug("nostr: {} {}: {}", r.url, res.code(), res.reason());
        }
    }

    private void keepConnected() {
        if (closed) {
            return;
        }
        long now = System.currentTimeMillis();
        synchronized (relays) {
            for (Relay r : relays.values()) {
                if (r.up()) {
                    r.reconnect.reset();
                    r.unreachableLogged = false;
                    continue;
                }
                if (r.connecting || now < r.retryAt) {
                    continue;
                }
                if (r.client != null) {
                    r.client.close();
                }
                r.connecting = true;
                RelayClient c = new RelayClient(r.url, keys, clock, timing.okTimeout(), timing.ping(), r.stats, timer);
                r.client = c;
                c.connect().whenComplete((ok, err) -> {
                    synchronized (relays) {
                        r.connecting = false;
                        if (err != null) {
                            long wait = r.reconnect.next().toMillis();
                            r.retryAt = System.currentTimeMillis() + wait;
                            if (!r.unreachableLogged) {
                                r.unreachableLogged = true;
                                LOG.warn("nostr: cannot reach {}: {}; retrying with backoff (up to {} s)", r.url,
                                        err.getCause() != null ? err.getCause().toString() : err.toString(),
                                        timing.reconnectMax().toSeconds());
                            }
                        }
                    }
                });
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        synchronized (relays) {
            relays.values().forEach(r -> {
                if (r.client != null) {
                    r.client.close();
                }
            });
        }
    }
}
