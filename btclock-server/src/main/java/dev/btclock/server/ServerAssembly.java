package dev.btclock.server;

import dev.btclock.bus.spi.BusProvider;
import dev.btclock.bus.spi.EventBus;
import dev.btclock.core.config.ConfigException;
import dev.btclock.core.config.HostPort;
import dev.btclock.core.plugin.ProviderLookup;
import dev.btclock.core.state.Change;
import dev.btclock.core.state.MarketState;
import dev.btclock.server.engine.DeviceEngine;
import dev.btclock.server.engine.EngineContext;
import dev.btclock.server.guard.FatalErrors;
import dev.btclock.server.guard.InboundBudget;
import dev.btclock.server.guard.Rejections;
import dev.btclock.server.guard.RequestGuard;
import dev.btclock.server.http.ApiHandler;
import dev.btclock.server.http.HeaderDeadline;
import dev.btclock.server.http.Diagnostics;
import dev.btclock.server.http.HealthCheck;
import dev.btclock.server.http.MetricsHandler;
import dev.btclock.server.http.NodeHealth;
import dev.btclock.server.http.PriceAges;
import dev.btclock.server.metrics.ServerMetrics;
import dev.btclock.server.publish.Publishers;
import dev.btclock.server.ws.Fanout;
import dev.btclock.server.ws.PriceRepush;
import dev.btclock.server.ws.Protocol;
import dev.btclock.server.ws.Ticker;
import dev.btclock.upstream.failover.Upstreams;
import dev.btclock.upstream.spi.UpstreamDriver;
import dev.btclock.upstream.spi.UpstreamDriverProvider;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;

/**
 * The server, assembled from its {@link Plugins}: the upstream driver, the bus, the WebSocket
 * engine and the publishers are picked by name from the configuration and connected — upstream
 * (on the fleet's leader, {@link UpstreamRole}) → bus → market state → fan-out → engine's devices,
 * and publishers; plus REST, health and metrics on the {@link DevicePort}. {@link #start}
 * validates every setting of every part before opening a port; {@link #close} is the graceful
 * shutdown (stop accepting, close devices with 1001, stop the upstream and the bus) that SIGTERM runs.
 */
public final class ServerAssembly implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ServerAssembly.class);
    /** How long devices get at shutdown to be sent their 1001 close frame. */
    private static final Duration GOING_AWAY_GRACE = Duration.ofSeconds(2);

    private final ServerConfig config;
    private final MarketState state = new MarketState();
    private final ServerMetrics metrics;
    private final Fanout fanout;
    private final EventBus bus;
    private final UpstreamRole upstream;
    private final DeviceEngine engine;
    private final Publishers publishers;
    private final HeaderDeadline headerDeadline;
    private final InboundBudget budget;
    private final Rejections rejections;
    private final FatalErrors fatal;
    private final NodeHealth health;
    private final DevicePort port;
    private final PriceRepush repush;
    private final PriceAges ages;
    private volatile boolean closed;

    private ServerAssembly(ServerConfig config, ServerParts parts, ServerMetrics metrics, Fanout fanout, InboundBudget budget,
                           Rejections rejections, FatalErrors fatal, UpstreamRole upstream) {
        this.config = config;
        this.metrics = metrics;
        this.fanout = fanout;
        this.budget = budget;
        this.rejections = rejections;
        this.fatal = fatal;
        this.bus = parts.bus();
        this.engine = parts.engine();
        this.publishers = parts.publishers();
        this.upstream = upstream;
        this.headerDeadline = new HeaderDeadline(config.headerTimeout(), fatal);
        this.port = new DevicePort(fatal);
        this.ages = new PriceAges(state, Clock.systemUTC(), config.priceStale());
        this.repush = new PriceRepush(fanout, config.ws().priceRepush(), fatal, ages::isStale);
        this.health = new NodeHealth(bus, upstream::running, state::snapshot, ages, () -> closed,
                () -> fanout.count(Protocol.V1), () -> fanout.count(Protocol.V2), fanout::count, publishers::destinations);
    }

    /**
     * Starts with the parts found on the class path and in the plugin directory
     * ({@code PLUGIN_DIR}); the production entry point. A fatal error in a server thread ends the
     * process ({@link FatalErrors#EXIT}).
     */
    public static ServerAssembly start(ServerConfig config) throws IOException {
        PluginDirectory plugins = PluginDirectory.open(config.pluginDir(), config.pluginDirRequired(),
                ServerAssembly.class.getClassLoader());
        if (!plugins.jars().isEmpty()) {
            LOG.info("plugin jars from {} ({}): {}", plugins.dir().toAbsolutePath(), PluginDirectory.SETTING,
                    plugins.jars().stream().map(p -> p.getFileName().toString()).toList());
        }
        return start(config, Plugins.installed(plugins.loader()), true, FatalErrors.EXIT);
    }

    /**
     * Starts with the given drivers and buses and the built-in engines and publishers; fatal errors
     * in server threads are only logged (the process belongs to the caller: tests, embedders).
     *
     * @param jvmMetrics whether to export JVM metrics (once per process)
     * @throws ConfigException listing every bad setting, before any port is opened
     * @throws IOException     when a port cannot be bound
     */
    public static ServerAssembly start(ServerConfig config, ProviderLookup<UpstreamDriverProvider> drivers,
                                       ProviderLookup<BusProvider> buses, boolean jvmMetrics) throws IOException {
        return start(config, Plugins.of(drivers, buses), jvmMetrics, FatalErrors.LOG_ONLY);
    }

    /**
     * Starts with the given parts and what to do when a server thread meets an {@link Error}.
     *
     * @param jvmMetrics whether to export JVM metrics (once per process)
     * @param fatal      called for every {@link Error} in a server thread ({@link FatalErrors#EXIT} in production)
     * @throws ConfigException listing every bad setting of every part, before any port is opened
     * @throws IOException     when a port cannot be bound
     */
    public static ServerAssembly start(ServerConfig config, Plugins plugins, boolean jvmMetrics, FatalErrors fatal)
            throws IOException {
        return start(config, plugins, jvmMetrics, fatal, Ticker.SYSTEM);
    }

    /**
     * Starts with the given parts and the time source of the WebSocket layer (pings, idle reaping,
     * unfinished messages, price re-pushes): tests drive it by hand.
     *
     * @throws ConfigException listing every bad setting of every part, before any port is opened
     * @throws IOException     when a port cannot be bound
     */
    public static ServerAssembly start(ServerConfig config, Plugins plugins, boolean jvmMetrics, FatalErrors fatal,
                                       Ticker ticker) throws IOException {
        ServerMetrics metrics = new ServerMetrics(jvmMetrics, ticker);
        Fanout fanout = new Fanout(metrics, config.fanoutThreads(), ticker);
        InboundBudget budget = new InboundBudget(config.inboundBudgetBytes());
        Rejections rejections = new Rejections(Duration.ofMinutes(1));
        EngineContext engineContext = new EngineContext(fanout, metrics, config.ws(), budget, rejections, fatal,
                ticker, config.settings());
        ServerParts parts = ServerParts.create(config, plugins, engineContext, metrics);
        LOG.info("upstream drivers available: {}; running {}. buses available: {}; using {} (BROKER). "
                        + "WebSocket engines available: {}; using {} (WS_ENGINE)",
                plugins.drivers().names(), parts.driver().drivers().stream().map(UpstreamDriver::name).toList(),
                plugins.buses().names(), config.broker(), plugins.engines().names(), config.engine());
        UpstreamRole upstream = new UpstreamRole(parts.bus(), metrics, parts.driver(),
                () -> Upstreams.supervisor(config.settings(), plugins.drivers(), Clock.systemUTC()), Clock.systemUTC());
        ServerAssembly a = new ServerAssembly(config, parts, metrics, fanout, budget, rejections, fatal, upstream);
        try {
            a.startAll();
        } catch (IOException | RuntimeException e) {
            a.close();
            throw e;
        }
        return a;
    }

    private void startAll() throws IOException {
        metrics.clients(fanout::count);
        metrics.headerTimeouts(headerDeadline::closedCount);
        metrics.inboundBudget(budget::used, budget.limit());
        metrics.refusals(rejections::counts);
        metrics.leader(() -> bus.leadership().isLeader());
        metrics.prices(ages::seconds, upstream::running);
        metrics.acceptPauses(port::acceptPauses);
        if (bus.nodeId() != null) {
            metrics.broker(bus::sequenceGaps, bus::resnapshots);
            metrics.fleet(bus::status);
        }
        publishers.start();
        CatchUpGuard catchUp = new CatchUpGuard();
        bus.subscribe(event -> {
            if (catchUp.admit(event, state.snapshot())) {
                state.apply(event).ifPresent(this::changed);
            }
        });

        port.openDevices(config.listen(), guard(), engine, new ApiHandler(state::snapshot, ages, health),
                t -> AcceptedSockets.install(t, config.sendBufferBytes()));
        LOG.info("listening on {} (WebSocket /ws, /api/v1/ws, /api/v2/ws; REST /api/*; /healthz; /status)",
                new HostPort(config.listen().host(), port()));
        if (config.metrics() != null) {
            port.openMetrics(config.metrics(), guard(), new MetricsHandler(metrics, health, new Diagnostics(config.diagnostics())));
            LOG.info("metrics on {} (/metrics, /healthz{})", new HostPort(config.metrics().host(), metricsPort()),
                    config.diagnostics() ? "; DIAGNOSTICS=true: /debug/threads, /debug/heap-histogram, /debug/jfr" : "");
        }
        engine.start();
        repush.start();
        upstream.follow();
    }

    private RequestGuard guard() {
        return new RequestGuard(budget, rejections, fatal, metrics::inboundEvicted, headerDeadline);
    }

    /** A change of the market state: to every device, and (on the leader only) to the publishers. */
    private void changed(Change change) {
        fanout.publish(change);
        if (bus.leadership().isLeader()) {
            publishers.publish(change);
        }
    }

    /** What {@code /healthz} reports (see {@link NodeHealth}). */
    public HealthCheck.Status health() {
        return health.get();
    }

    /** What {@code /healthz/detail} shows: a JSON object. */
    public String healthDetail() {
        return health.detail();
    }

    /** Whether this node holds the fleet's lease and runs the upstream (always, with the in-process bus). */
    public boolean isLeader() {
        return bus.leadership().isLeader();
    }

    /** This node's id on a bus shared by several nodes, or null with the in-process bus. */
    public String busNode() {
        return bus.nodeId();
    }

    /** The bound device port (useful with port 0). */
    public int port() {
        return port.port();
    }

    /** The bound metrics port, or -1 when metrics are off. */
    public int metricsPort() {
        return port.metricsPort();
    }

    /** Connected device clients of a protocol. */
    public int clientsConnected(Protocol protocol) {
        return fanout.count(protocol);
    }

    /** The fan-out that every change goes through (for embedders and the benchmark launcher). */
    public Fanout fanout() {
        return fanout;
    }

    /**
     * Serves {@code handler} at {@code path} on the device port, beside the REST API (the
     * benchmark launcher adds its control endpoints this way; the server itself adds none).
     */
    public void addHttpHandler(HttpHandler handler, String path) {
        port.addHandler(handler, path);
    }

    /** Bytes of unfinished request heads and WebSocket messages held by all connections now. */
    public long inboundBufferedBytes() {
        return budget.used();
    }

    /** The server's metrics. */
    public ServerMetrics metrics() {
        return metrics;
    }

    /** The latest values. */
    public MarketState state() {
        return state;
    }

    /** Stops accepting, closes every client with 1001, stops upstream and bus. Idempotent; bounded by a few seconds. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        LOG.info("shutting down: closing {} clients with 1001", fanout.count(Protocol.V1) + fanout.count(Protocol.V2));
        if (port.isOpen()) {
            port.stopAccepting();
            engine.goingAway(GOING_AWAY_GRACE);
        }
        repush.close();
        engine.close();
        upstream.close();
        bus.close();
        publishers.close();
        port.close();
        fanout.close();
        headerDeadline.close();
        LOG.info("stopped");
    }
}
