package dev.btclock.server.metrics;

import dev.btclock.nostr.RelayStats;
import dev.btclock.server.ws.Protocol;
import dev.btclock.server.ws.Ticker;
import dev.btclock.upstream.failover.UpstreamSupervisor;
import dev.btclock.upstream.price.PriceMedian;
import dev.btclock.upstream.spi.DataKind;
import dev.btclock.upstream.spi.UpstreamDriver;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;

/**
 * The server's Prometheus metrics, in their own registry (so tests and embedded servers never
 * share state). Hot-path counters are {@link LongAdder}s read at scrape time.
 *
 * <p>Thread-safe.
 */
public final class ServerMetrics {

    private static final long PEAK_WINDOW_NANOS = 5_000_000_000L;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Map<Protocol, LongAdder> framesSent = new EnumMap<>(Protocol.class);
    private final Map<Protocol, LongAdder> drops = new EnumMap<>(Protocol.class);
    private final Map<Protocol, PeakWindow> queuePeaks = new EnumMap<>(Protocol.class);
    private final Counter upstreamEvents;
    private final Counter idleClosed;
    private final Counter protocolErrors;
    private final Counter messageTimeouts;
    private final Counter inboundEvictions;

    /** The time source of the queue-depth windows. */
    private final Ticker ticker;

    /** Registers every metric; JVM metrics too when {@code jvm} is true (once per process). */
    public ServerMetrics(boolean jvm) {
        this(jvm, Ticker.SYSTEM);
    }

    /**
     * Registers every metric, with the queue-depth windows timed by {@code ticker} (the WebSocket
     * layer's clock); JVM metrics too when {@code jvm} is true (once per process).
     */
    public ServerMetrics(boolean jvm, Ticker ticker) {
        this.ticker = ticker;
        for (Protocol p : Protocol.values()) {
            framesSent.put(p, new LongAdder());
            drops.put(p, new LongAdder());
            queuePeaks.put(p, new PeakWindow(ticker.nanoTime()));
        }
        CounterWithCallback.builder().name("btclock_ws_frames_sent_total")
                .help("WebSocket frames handed to the network, by protocol").labelNames("proto")
                .callback(cb -> framesSent.forEach((p, n) -> cb.call(n.sum(), p.label())))
                .register(registry);
        CounterWithCallback.builder().name("btclock_ws_backpressure_drops_total")
                .help("Clients disconnected because their send queue overflowed").labelNames("proto")
                .callback(cb -> drops.forEach((p, n) -> cb.call(n.sum(), p.label())))
                .register(registry);
        GaugeWithCallback.builder().name("btclock_ws_client_send_queue_depth")
                .help("Deepest per-client send queue seen over the last 5 s, by protocol").labelNames("proto")
                .callback(cb -> queuePeaks.forEach((p, w) -> cb.call(w.peak(ticker.nanoTime()), p.label())))
                .register(registry);
        upstreamEvents = Counter.builder().name("btclock_upstream_events_total")
                .help("Events received from the upstream, by kind").labelNames("kind").register(registry);
        idleClosed = Counter.builder().name("btclock_ws_idle_closed_total")
                .help("Clients closed because they stayed silent past the idle timeout").register(registry);
        protocolErrors = Counter.builder().name("btclock_ws_protocol_errors_total")
                .help("Clients closed for breaking RFC 6455, by close code (1002 protocol, 1007 not UTF-8, 1009 too big)")
                .labelNames("code").register(registry);
        messageTimeouts = Counter.builder().name("btclock_ws_message_timeouts_total")
                .help("Clients closed (1008) for leaving a frame or message unfinished past WS_MESSAGE_TIMEOUT_SECONDS")
                .register(registry);
        inboundEvictions = Counter.builder().name("btclock_inbound_evictions_total")
                .help("Connections closed because all connections together held more unfinished input than INBOUND_BUDGET_BYTES "
                        + "and they held the most, by kind (websocket, http)")
                .labelNames("kind").register(registry);
        // Every known series from 0, so that increase() and rate() see the first event after a start.
        for (String kind : List.of("price", "block", "fee")) {
            upstreamEvents.labelValues(kind);
        }
        for (String code : List.of("1002", "1007", "1009")) {
            protocolErrors.labelValues(code);
        }
        for (String kind : List.of("websocket", "http")) {
            inboundEvictions.labelValues(kind);
        }
        if (jvm) {
            JvmMetrics.builder().register(registry);
        }
    }

    /** Adds the connected-clients gauge, read from {@code counts} at scrape time. */
    public void clients(ToIntFunction<Protocol> counts) {
        GaugeWithCallback.builder().name("btclock_ws_clients").help("Connected WebSocket clients, by protocol")
                .labelNames("proto")
                .callback(cb -> {
                    for (Protocol p : Protocol.values()) {
                        cb.call(counts.applyAsInt(p), p.label());
                    }
                })
                .register(registry);
    }

    /**
     * Adds the upstream gauges: for every driver and kind of datum it provides, whether it is the
     * one being served (1) or not (0); and the age of the last upstream contact.
     */
    public void upstream(Supplier<UpstreamSupervisor> current, DoubleSupplier lastEventAgeSeconds) {
        GaugeWithCallback.builder().name("btclock_upstream_source_active")
                .help("1 for the upstream driver whose data is being served, per kind of datum").labelNames("driver", "kind")
                .callback(cb -> {
                    UpstreamSupervisor supervisor = current.get();
                    if (supervisor == null) {
                        return;
                    }
                    PriceMedian median = supervisor.prices();
                    java.util.Set<String> usedForPrices = new java.util.HashSet<>();
                    if (median != null) {
                        for (PriceMedian.SourceQuote q : median.quotes(java.time.Instant.now())) {
                            if (q.used()) {
                                usedForPrices.add(q.source());
                            }
                        }
                    }
                    for (UpstreamDriver d : supervisor.drivers()) {
                        for (DataKind k : d.kinds()) {
                            boolean serving = k == DataKind.PRICE && median != null ? usedForPrices.contains(d.name())
                                    : supervisor.active(k) == d;
                            cb.call(serving ? 1 : 0, d.name(), k.label());
                        }
                    }
                })
                .register(registry);
        GaugeWithCallback.builder().name("btclock_upstream_last_event_age_seconds")
                .help("Seconds since an upstream driver was last heard from (NaN before the first)")
                .callback(cb -> cb.call(lastEventAgeSeconds.getAsDouble()))
                .register(registry);
    }

    /**
     * Adds the price gauges: this node's age of each price ({@code ages}, every node), and on the
     * node that runs a median of several price sources, per source and currency the age of its
     * latest quote, whether the median uses it, and how often it was left out as an outlier.
     */
    public void prices(Supplier<Map<String, Long>> ages, Supplier<UpstreamSupervisor> current) {
        GaugeWithCallback.builder().name("btclock_price_age_seconds")
                .help("Seconds since this node's price of a currency was last confirmed by its source").labelNames("currency")
                .callback(cb -> ages.get().forEach((c, s) -> cb.call(s, c)))
                .register(registry);
        GaugeWithCallback.builder().name("btclock_price_source_age_seconds")
                .help("Seconds since a price source last quoted a currency (PRICE_SOURCE=exchanges, on the node running the upstream)")
                .labelNames("source", "currency")
                .callback(cb -> quotes(current).forEach(q -> cb.call(q.age().toMillis() / 1000.0, q.source(), q.currency())))
                .register(registry);
        GaugeWithCallback.builder().name("btclock_price_source_used")
                .help("1 when the price median uses a source's quote for a currency (fresh and not an outlier), else 0")
                .labelNames("source", "currency")
                .callback(cb -> quotes(current).forEach(q -> cb.call(q.used() ? 1 : 0, q.source(), q.currency())))
                .register(registry);
        CounterWithCallback.builder().name("btclock_price_source_outliers_total")
                .help("Times the price median left a source out of a currency for being too far from the others")
                .labelNames("source", "currency")
                .callback(cb -> quotes(current).forEach(q -> cb.call(q.outliers(), q.source(), q.currency())))
                .register(registry);
    }

    private static List<PriceMedian.SourceQuote> quotes(Supplier<UpstreamSupervisor> current) {
        UpstreamSupervisor supervisor = current.get();
        PriceMedian median = supervisor == null ? null : supervisor.prices();
        return median == null ? List.of() : median.quotes(java.time.Instant.now());
    }

    /** Adds the Nostr publisher's per-relay counters and connection gauge. */
    public void nostr(Supplier<Map<String, RelayStats>> stats,
                      Supplier<Map<String, Boolean>> connected) {
        relayCounter("btclock_nostr_events_published_total", "Events handed to each Nostr relay (once each, re-sends aside)",
                stats, RelayStats::published);
        relayCounter("btclock_nostr_events_delivered_total", "Events each relay accepted (OK true or duplicate:)",
                stats, RelayStats::delivered);
        relayCounter("btclock_nostr_events_superseded_total", "Events not re-sent because a newer one for the same d replaced them",
                stats, RelayStats::superseded);
        relayCounter("btclock_nostr_event_resends_total", "Identical events sent again after rate-limited:, a missing OK or a drop",
                stats, RelayStats::retries);
        relayCounter("btclock_nostr_auth_attempts_total", "NIP-42 AUTH events sent to each relay", stats,
                RelayStats::authAttempts);
        relayCounter("btclock_nostr_auth_failures_total", "NIP-42 AUTH refused, unanswered or failed", stats,
                RelayStats::authFailures);
        CounterWithCallback.builder().name("btclock_nostr_events_failed_total")
                .help("Events that finally failed on each relay, by reason (restricted, invalid, auth-refused, timeout, ...)")
                .labelNames("relay", "reason")
                .callback(cb -> stats.get().forEach((relay, s) -> s.failures().forEach((reason, n) -> cb.call(n, shown(relay), reason))))
                .register(registry);
        GaugeWithCallback.builder().name("btclock_nostr_relay_connected")
                .help("1 while the relay connection is open").labelNames("relay")
                .callback(cb -> connected.get().forEach((relay, up) -> cb.call(up ? 1 : 0, shown(relay))))
                .register(registry);
    }

    private void relayCounter(String name, String help, Supplier<Map<String, RelayStats>> stats,
                              ToLongFunction<RelayStats> value) {
        CounterWithCallback.builder().name(name).help(help).labelNames("relay")
                .callback(cb -> stats.get().forEach((relay, s) -> cb.call(value.applyAsLong(s), shown(relay))))
                .register(registry);
    }

    /** Adds {@code btclock_leader}: 1 while this node runs the fleet's upstream. */
    public void leader(BooleanSupplier leader) {
        GaugeWithCallback.builder().name("btclock_leader")
                .help("1 while this node holds the lease and runs the upstream (always 1 with the in-process bus)")
                .callback(cb -> cb.call(leader.getAsBoolean() ? 1 : 0))
                .register(registry);
    }

    /** Adds the broker counters of the {@code valkey} bus. */
    public void broker(LongSupplier seqGaps, LongSupplier resnapshots) {
        CounterWithCallback.builder().name("btclock_broker_seq_gaps_total")
                .help("Stream entries this node could not read before they were trimmed (detected gaps)")
                .callback(cb -> cb.call(seqGaps.getAsLong()))
                .register(registry);
        CounterWithCallback.builder().name("btclock_broker_resnapshots_total")
                .help("Times this node re-read the snapshot keys (start, gaps, broker restarts)")
                .callback(cb -> cb.call(resnapshots.getAsLong()))
                .register(registry);
    }

    /** Adds the gauges of the inbound budget: bytes held now and the limit. */
    public void inboundBudget(LongSupplier used, long limit) {
        GaugeWithCallback.builder().name("btclock_inbound_buffered_bytes")
                .help("Bytes of unfinished request heads and WebSocket messages held by all connections")
                .callback(cb -> cb.call(used.getAsLong()))
                .register(registry);
        GaugeWithCallback.builder().name("btclock_inbound_budget_bytes")
                .help("INBOUND_BUDGET_BYTES: what all connections together may hold before the largest are closed")
                .callback(cb -> cb.call(limit))
                .register(registry);
    }

    /** Adds the counter of refused requests and handshakes, read from {@code counts} (reason to count). */
    public void refusals(Supplier<Map<String, Long>> counts) {
        CounterWithCallback.builder().name("btclock_requests_refused_total")
                .help("HTTP requests and WebSocket handshakes refused for what they sent, by reason")
                .labelNames("reason")
                .callback(cb -> counts.get().forEach((reason, n) -> cb.call(n, reason)))
                .register(registry);
    }

    /** Adds the counter of times accepting paused at the open-file limit. */
    public void acceptPauses(LongSupplier pauses) {
        CounterWithCallback.builder().name("btclock_accept_paused_total")
                .help("Times the listener stopped accepting for a moment because the open-file limit was reached")
                .callback(cb -> cb.call(pauses.getAsLong()))
                .register(registry);
    }

    /** Adds the fleet gauges of a bus with a broker: this node's role, whether the broker answers, and since when. */
    public void fleet(Supplier<dev.btclock.bus.spi.BusStatus> status) {
        GaugeWithCallback.builder().name("btclock_fleet_role")
                .help("1 for this node's part in the fleet: leader, follower, or standalone (cut off from the broker, "
                        + "serving its devices from its own upstream)")
                .labelNames("role")
                .callback(cb -> {
                    dev.btclock.bus.spi.BusStatus s = status.get();
                    for (dev.btclock.bus.spi.BusStatus.Role r : List.of(dev.btclock.bus.spi.BusStatus.Role.LEADER,
                            dev.btclock.bus.spi.BusStatus.Role.FOLLOWER, dev.btclock.bus.spi.BusStatus.Role.STANDALONE)) {
                        cb.call(s.role() == r ? 1 : 0, r.label());
                    }
                })
                .register(registry);
        GaugeWithCallback.builder().name("btclock_broker_reachable")
                .help("1 while the broker answered within BROKER_STALE_SECONDS")
                .callback(cb -> cb.call(status.get().brokerReachable() ? 1 : 0))
                .register(registry);
        GaugeWithCallback.builder().name("btclock_broker_last_contact_age_seconds")
                .help("Seconds since the broker last answered this node")
                .callback(cb -> {
                    java.time.Duration d = status.get().sinceBrokerContact();
                    cb.call(d == null ? Double.NaN : d.toMillis() / 1000.0);
                })
                .register(registry);
    }

    /** Adds the counter of connections closed for not sending a complete request head in time. */
    public void headerTimeouts(java.util.function.LongSupplier closed) {
        CounterWithCallback.builder().name("btclock_http_header_timeouts_total")
                .help("Connections closed because no complete request head arrived within HTTP_HEADER_TIMEOUT_SECONDS")
                .callback(cb -> cb.call(closed.getAsLong()))
                .register(registry);
    }

    /** One frame written to a client. */
    public void frameSent(Protocol p) {
        framesSent.get(p).increment();
    }

    /** {@code n} frames written, one to each client of a broadcast. */
    public void framesSent(Protocol p, int n) {
        if (n > 0) {
            framesSent.get(p).add(n);
        }
    }

    /** One client disconnected for overflowing its queue. */
    public void backpressureDrop(Protocol p) {
        drops.get(p).increment();
    }

    /** A client's queue depth after an enqueue. */
    public void queueDepth(Protocol p, int depth) {
        queuePeaks.get(p).record(depth, ticker.nanoTime());
    }

    /** What {@code btclock_ws_client_send_queue_depth} reports now: the deepest queue of the last 5 to 10 s. */
    public int queueDepthPeak(Protocol p) {
        return queuePeaks.get(p).peak(ticker.nanoTime());
    }

    /** One upstream event of {@code kind} ({@code price}, {@code block}, {@code fee}). */
    public void upstreamEvent(String kind) {
        upstreamEvents.labelValues(kind).inc();
    }

    /** One client closed for breaking the protocol with close code {@code code}. */
    public void protocolError(int code) {
        protocolErrors.labelValues(Integer.toString(code)).inc();
    }

    /** One client closed for an unfinished frame or message past the message timeout. */
    public void messageTimeout() {
        messageTimeouts.inc();
    }

    /** One connection of {@code kind} ({@code websocket}, {@code http}) closed by the inbound budget. */
    public void inboundEvicted(String kind) {
        inboundEvictions.labelValues(kind).inc();
    }

    /** Clients closed for an unfinished frame or message so far. */
    public long messageTimeouts() {
        return (long) messageTimeouts.get();
    }

    /** Connections of {@code kind} closed by the inbound budget so far. */
    public long inboundEvictions(String kind) {
        return (long) inboundEvictions.labelValues(kind).get();
    }

    /** One client closed by the idle reaper. */
    public void idleClosed() {
        idleClosed.inc();
    }

    /** Frames sent so far (tests, bench). */
    public long framesSent(Protocol p) {
        return framesSent.get(p).sum();
    }

    /** Clients closed by the idle reaper so far. */
    public long idleClosedCount() {
        return idleClosed.getLongValue();
    }

    /** Backpressure disconnects so far. */
    public long backpressureDrops(Protocol p) {
        return drops.get(p).sum();
    }

    /** A scrape of every metric. */
    public MetricSnapshots scrape() {
        return registry.scrape();
    }

    /** The maximum of the current and the previous 5-second window. */
    private static final class PeakWindow {
        private final AtomicInteger current = new AtomicInteger();
        private volatile int previous;
        private volatile long windowStart;

        PeakWindow(long start) {
            this.windowStart = start;
        }

        void record(int depth, long now) {
            roll(now);
            current.accumulateAndGet(depth, Math::max);
        }

        int peak(long now) {
            roll(now);
            return Math.max(previous, current.get());
        }

        private void roll(long now) {
            long start = windowStart;
            if (now - start >= PEAK_WINDOW_NANOS) {
                synchronized (this) {
                    if (windowStart == start) {
                        previous = now - start >= 2 * PEAK_WINDOW_NANOS ? 0 : current.get();
                        current.set(0);
                        windowStart = now;
                    }
                }
            }
        }
    }

    /** A relay URL as a label may show it: a password in it masked (labels are scraped by anyone who reaches the port). */
    private static String shown(String relay) {
        return dev.btclock.core.config.Secrets.maskUserInfo(relay);
    }
}
