package dev.btclock.upstream.failover;

import dev.btclock.core.event.BlockUpdate;
import dev.btclock.core.event.Event;
import dev.btclock.core.event.PriceUpdate;
import dev.btclock.upstream.spi.DataKind;
import dev.btclock.upstream.spi.DriverHealth;
import dev.btclock.upstream.spi.UpstreamDriver;
import dev.btclock.upstream.price.PriceMedian;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs every configured driver at once and lets, per kind of datum, exactly one of them through:
 * the first in priority order that is connected and was heard from within the kind's grace
 * window (by default 30 s for blocks, 10 s for fees and prices). When the active driver fails
 * or falls silent the next one's latest value flows at once; when a higher-priority driver is
 * available again it takes over. A switch never sends a height that is lower than, or equal to
 * (with another hash), the last one sent — a lagging driver is ignored until it catches up —
 * while a reorg reported by the driver that sent the last block still passes.
 *
 * <p>Prices can instead be taken from every price driver at once: with a {@link PriceMedian}, each
 * price driver's quotes go to it, a driver that disconnects has its quotes dropped at once, and
 * what the median publishes (evaluated every second) is forwarded.
 *
 * <p>It is itself an {@link UpstreamDriver}, so the server runs one driver or several the same
 * way. Time comes from the injected {@link Clock}; {@link #evaluate()} is also run every second.
 */
public final class UpstreamSupervisor implements UpstreamDriver {

    private static final Logger LOG = LoggerFactory.getLogger(UpstreamSupervisor.class);

    private final List<UpstreamDriver> drivers;
    private final Map<DataKind, List<UpstreamDriver>> candidates = new EnumMap<>(DataKind.class);
    private final Map<DataKind, Duration> grace;
    private final Clock clock;
    private final Map<DataKind, UpstreamDriver> active = new EnumMap<>(DataKind.class);
    /** With prices from several drivers at once, their median; else null. */
    private final PriceMedian median;
    /** The price drivers found down, after having been up (median mode only). */
    private final java.util.Set<UpstreamDriver> priceDown = new java.util.HashSet<>();
    /** The price drivers found connected at the last evaluation (median mode only). */
    private final java.util.Set<UpstreamDriver> priceUp = new java.util.HashSet<>();
    private final Map<UpstreamDriver, Map<String, Received>> latest = new HashMap<>();
    // Per driver, its latest value per datum in order of first arrival (prices keep their upstream order).
    private final Map<UpstreamDriver, Map<DataKind, Instant>> lostAt = new HashMap<>();
    private final Map<UpstreamDriver, java.util.Set<DataKind>> up = new HashMap<>();
    private ScheduledExecutorService ticker;
    private Consumer<Event> sink;
    private BlockUpdate lastBlock;
    private UpstreamDriver lastBlockSource;
    private volatile boolean closed;

    /**
     * @param priorities per kind, the drivers that may provide it, best first (each must also list the kind in {@link UpstreamDriver#kinds()})
     * @param grace      per kind, how long a driver may stay silent before the next one takes over
     */
    public UpstreamSupervisor(Map<DataKind, List<UpstreamDriver>> priorities, Map<DataKind, Duration> grace, Clock clock) {
        this(priorities, grace, null, clock);
    }

    /**
     * Like {@link #UpstreamSupervisor(Map, Map, Clock)}, with prices from every driver listed for
     * {@link DataKind#PRICE} at once through {@code median} (null: failover as for the other kinds).
     *
     * @param priorities per kind, the drivers that may provide it, best first (each must also list the kind in {@link UpstreamDriver#kinds()})
     * @param grace      per kind, how long a driver may stay silent before the next one takes over
     * @param median     the median of the price drivers' quotes, or null
     */
    public UpstreamSupervisor(Map<DataKind, List<UpstreamDriver>> priorities, Map<DataKind, Duration> grace, PriceMedian median,
                              Clock clock) {
        this.median = median;
        this.clock = Objects.requireNonNull(clock);
        this.grace = new EnumMap<>(grace);
        LinkedHashMap<UpstreamDriver, Boolean> all = new LinkedHashMap<>();
        for (DataKind k : DataKind.values()) {
            List<UpstreamDriver> list = List.copyOf(priorities.getOrDefault(k, List.of()));
            for (UpstreamDriver d : list) {
                if (!d.kinds().contains(k)) {
                    throw new IllegalArgumentException(d.name() + " does not provide " + k.label());
                }
                all.put(d, true);
            }
            candidates.put(k, list);
            if (!this.grace.containsKey(k)) {
                throw new IllegalArgumentException("no grace window for " + k.label());
            }
        }
        this.drivers = List.copyOf(all.keySet());
        for (UpstreamDriver d : drivers) {
            latest.put(d, new LinkedHashMap<>());
            lostAt.put(d, new EnumMap<>(DataKind.class));
            up.put(d, java.util.EnumSet.noneOf(DataKind.class));
        }
    }

    /** One driver for everything it provides (no failover). */
    public static UpstreamSupervisor single(UpstreamDriver driver, Clock clock) {
        Map<DataKind, List<UpstreamDriver>> p = new EnumMap<>(DataKind.class);
        for (DataKind k : driver.kinds()) {
            p.put(k, List.of(driver));
        }
        return new UpstreamSupervisor(p, defaultGrace(), clock);
    }

    /** 30 s for blocks, 10 s for fees and prices. */
    public static Map<DataKind, Duration> defaultGrace() {
        return Map.of(DataKind.BLOCK, Duration.ofSeconds(30), DataKind.FEE, Duration.ofSeconds(10),
                DataKind.PRICE, Duration.ofSeconds(10));
    }

    @Override
    public String name() {
        return drivers.size() == 1 ? drivers.get(0).name() : "supervisor";
    }

    /** Every supervised driver, in priority order of first appearance. */
    public List<UpstreamDriver> drivers() {
        return drivers;
    }

    /** The kinds some driver provides. */
    @Override
    public java.util.Set<DataKind> kinds() {
        java.util.Set<DataKind> s = java.util.EnumSet.noneOf(DataKind.class);
        candidates.forEach((k, list) -> {
            if (!list.isEmpty()) {
                s.add(k);
            }
        });
        return s;
    }

    @Override
    public void start(Consumer<Event> sink) {
        synchronized (this) {
            if (this.sink != null) {
                throw new IllegalStateException("already started");
            }
            this.sink = Objects.requireNonNull(sink);
        }
        for (UpstreamDriver d : drivers) {
            d.start(e -> onEvent(d, e));
        }
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "btclock-upstream-supervisor");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleWithFixedDelay(() -> {
            try {
                evaluate();
            } catch (RuntimeException e) {
                LOG.error("upstream supervision failed", e);
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    private synchronized void onEvent(UpstreamDriver from, Event e) {
        if (closed) {
            return;
        }
        DataKind kind = DataKind.of(e);
        if (median != null && e instanceof PriceUpdate p) {
            // Only the price sources count, each under its driver's name (what sourceDown and the metrics use).
            if (candidates.get(DataKind.PRICE).contains(from)) {
                median.offer(p.source().equals(from.name()) ? p : new PriceUpdate(p.currency(), p.price(), p.at(), from.name()));
            }
            return;
        }
        latest.get(from).put(key(e), new Received(e, clock.instant()));
        UpstreamDriver before = active.get(kind);
        evaluate();
        // When this event made its driver active, the switch already forwarded it with the driver's latest values.
        if (before == from && active.get(kind) == from) {
            forward(from, e);
        }
    }

    /** Re-decides the active driver of every kind; switches forward the new driver's latest values. */
    public synchronized void evaluate() {
        if (closed || sink == null) {
            return;
        }
        Instant now = clock.instant();
        if (median != null) {
            evaluatePrices(now);
        }
        for (DataKind kind : DataKind.values()) {
            if (kind == DataKind.PRICE && median != null) {
                continue;
            }
            UpstreamDriver best = null;
            for (UpstreamDriver d : candidates.get(kind)) {
                boolean isUp = available(d, kind, now);
                if (!isUp && up.get(d).remove(kind)) {
                    lostAt.get(d).put(kind, now);
                } else if (isUp) {
                    up.get(d).add(kind);
                }
                if (isUp && best == null) {
                    best = d;
                }
            }
            UpstreamDriver current = active.get(kind);
            if (best == null || best == current) {
                continue;
            }
            active.put(kind, best);
            if (current == null) {
                LOG.info("upstream: {} from {}", plural(kind), best.name());
            } else {
                LOG.warn("upstream: {} now from {} ({} {})", plural(kind), best.name(), current.name(),
                        available(current, kind, now) ? "is back behind a preferred driver" : "is down or silent");
            }
            // Values the new driver had before its latest outage are stale: it will send fresh ones.
            Instant lost = lostAt.get(best).get(kind);
            for (Received r : latest.get(best).values()) {
                if (DataKind.of(r.event) == kind && (lost == null || r.at.isAfter(lost))) {
                    forward(best, r.event);
                }
            }
        }
    }

    /**
     * Median mode: a price driver found disconnected after having been connected has its quotes up
     * to now dropped; then forwards what the median publishes.
     */
    private void evaluatePrices(Instant now) {
        for (UpstreamDriver d : candidates.get(DataKind.PRICE)) {
            DriverHealth h = d.health();
            if (h.connected()) {
                if (priceUp.add(d) && priceDown.remove(d)) {
                    LOG.info("prices: {} is back", d.name());
                }
            } else if (priceUp.remove(d)) {
                // Lost: what it quoted until now no longer counts; what it quotes from now on does (a
                // mempool instance's REST prices arrive while its WebSocket is still connecting).
                median.sourceDown(d.name(), now);
                priceDown.add(d);
                LOG.warn("prices: {} is down ({}); its quotes no longer count", d.name(), h.detail());
            }
        }
        for (PriceUpdate p : median.evaluate(now)) {
            forward(null, p);
        }
    }

    /** With prices from several drivers at once, their median (for metrics and health); else null. */
    public PriceMedian prices() {
        return median;
    }

    /**
     * What serves {@code kind}: the active driver's name, {@link PriceMedian#SOURCE} for prices
     * taken from several drivers at once, or null when nothing does.
     */
    public synchronized String serving(DataKind kind) {
        if (kind == DataKind.PRICE && median != null) {
            return PriceMedian.SOURCE;
        }
        UpstreamDriver d = active.get(kind);
        return d == null ? null : d.name();
    }

    private boolean available(UpstreamDriver d, DataKind kind, Instant now) {
        DriverHealth h = d.health();
        return h.connected() && h.lastEvent() != null && !h.lastEvent().plus(grace.get(kind)).isBefore(now);
    }

    private void forward(UpstreamDriver from, Event e) {
        if (e instanceof BlockUpdate b && !acceptBlock(from, b)) {
            return;
        }
        if (e instanceof PriceUpdate p && !(p.price() > 0 && Double.isFinite(p.price()))) {
            // A driver's "no longer known" (a price driver that lost its connection): only the median reads it.
            return;
        }
        try {
            sink.accept(e);
        } catch (RuntimeException ex) {
            LOG.error("upstream sink failed on {}", e, ex);
        }
    }

    /** The block rule: a source that did not send the last block must first move past it. */
    private boolean acceptBlock(UpstreamDriver from, BlockUpdate b) {
        if (lastBlock == null || from == lastBlockSource) {
            lastBlock = b;
            lastBlockSource = from;
            return true;
        }
        if (b.height() > lastBlock.height()) {
            lastBlock = b;
            lastBlockSource = from;
            return true;
        }
        if (b.height() == lastBlock.height() && Objects.equals(b.hash(), lastBlock.hash())) {
            // Caught up with the same tip: from now on its reorgs count.
            lastBlockSource = from;
        }
        return false;
    }

    /** The driver currently serving {@code kind}, or null (always for prices taken from several drivers: see {@link #serving}). */
    public synchronized UpstreamDriver active(DataKind kind) {
        return active.get(kind);
    }

    /**
     * Connected when, for blocks and fees, some driver is connected: {@code /healthz} says
     * {@code upstream down} only when nobody can serve.
     */
    @Override
    public DriverHealth health() {
        Instant last = null;
        List<String> parts = new ArrayList<>();
        boolean serving = true;
        for (DataKind k : List.of(DataKind.BLOCK, DataKind.FEE)) {
            boolean any = false;
            for (UpstreamDriver d : candidates.get(k)) {
                any |= d.health().connected();
            }
            serving &= any && !candidates.get(k).isEmpty();
        }
        for (UpstreamDriver d : drivers) {
            DriverHealth h = d.health();
            if (h.lastEvent() != null && (last == null || h.lastEvent().isAfter(last))) {
                last = h.lastEvent();
            }
            parts.add(d.name() + ": " + h.detail());
        }
        return new DriverHealth(serving, last, String.join("; ", parts));
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (ticker != null) {
            ticker.shutdownNow();
            try {
                ticker.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (UpstreamDriver d : drivers) {
            try {
                d.close();
            } catch (RuntimeException e) {
                LOG.warn("closing {} failed", d.name(), e);
            }
        }
    }

    private record Received(Event event, Instant at) {
    }

    private static String key(Event e) {
        return e instanceof PriceUpdate p ? "price:" + p.currency() : DataKind.of(e).label();
    }

    private static String plural(DataKind k) {
        return switch (k) {
            case PRICE -> "prices";
            case BLOCK -> "blocks";
            case FEE -> "fees";
        };
    }
}
