package dev.btclock.server;

import dev.btclock.bus.spi.BusConfig;
import dev.btclock.bus.spi.BusProvider;
import dev.btclock.bus.spi.Buses;
import dev.btclock.bus.spi.EventBus;
import dev.btclock.core.config.ConfigException;
import dev.btclock.core.config.HostPort;
import dev.btclock.core.event.BlockUpdate;
import dev.btclock.core.event.Event;
import dev.btclock.core.event.PriceUpdate;
import dev.btclock.core.plugin.ProviderLookup;
import dev.btclock.core.state.MarketState;
import dev.btclock.core.state.Snapshot;
import dev.btclock.server.guard.AcceptBackoff;
import dev.btclock.server.guard.FatalErrors;
import dev.btclock.server.guard.GuardedHandler;
import dev.btclock.server.guard.InboundBudget;
import dev.btclock.server.guard.Rejections;
import dev.btclock.server.guard.RequestGuard;
import dev.btclock.server.guard.WorkerThreads;
import dev.btclock.server.http.ApiHandler;
import dev.btclock.server.http.HeaderDeadline;
import dev.btclock.server.http.HealthCheck;
import dev.btclock.server.http.MetricsHandler;
import dev.btclock.server.http.NodeHealth;
import dev.btclock.server.metrics.ServerMetrics;
import dev.btclock.server.ws.ClientSupervisor;
import dev.btclock.server.ws.Fanout;
import dev.btclock.upstream.failover.UpstreamSupervisor;
import dev.btclock.upstream.failover.Upstreams;
import dev.btclock.upstream.spi.Drivers;
import dev.btclock.upstream.spi.UpstreamDriver;
import dev.btclock.upstream.spi.UpstreamDriverProvider;
import org.glassfish.grizzly.TransportProbe;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.HttpServer;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.grizzly.nio.transport.TCPNIOTransport;
import org.glassfish.grizzly.threadpool.ThreadPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The whole server wired by hand: upstream driver → bus → market state → fan-out, plus REST,
 * health and metrics. {@link #start} validates every setting before opening a port;
 * {@link #close} is the graceful shutdown (stop accepting, close clients with 1001, stop the
 * upstream and the bus) that SIGTERM runs.
 */
public final class ServerAssembly implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ServerAssembly.class);
    private static final String LISTENER = "btclock";
    /** Largest request head (request line and headers): a device's is about 200 bytes, a browser's a few KB. */
    private static final int MAX_REQUEST_HEAD_BYTES = 16 * 1024;
    private static final int MAX_REQUEST_HEADERS = 64;
    /** Threads for HTTP handlers (REST, health, metrics); reads and WebSocket frames stay on the selector threads. */
    private static final int WORKER_THREADS = 4;

    private final ServerConfig config;
    private final MarketState state = new MarketState();
    private final Fanout fanout;
    private final ServerMetrics metrics;
    private final EventBus bus;
    private final java.util.function.Supplier<UpstreamSupervisor> upstreams;
    /** The running upstream while this node leads the fleet (always, with the in-process bus), else null. */
    private UpstreamSupervisor driver;
    private UpstreamSupervisor spare;
    private final ClientSupervisor clients;
    private final HeaderDeadline headerDeadline;
    private final InboundBudget budget;
    private final Rejections rejections = new Rejections(Duration.ofMinutes(1));
    private final FatalErrors fatal;
    private final NodeHealth health;
    private final List<AcceptBackoff> acceptBackoffs = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Resumes accepting after a pause at the open-file limit; its thread starts with the first pause. */
    private final ScheduledExecutorService acceptTimer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "btclock-accept-backoff");
        t.setDaemon(true);
        return t;
    });
    private volatile dev.btclock.nostr.NostrPublisher nostr;
    private HttpServer http;
    private HttpServer metricsHttp;
    private volatile boolean closed;

    private ServerAssembly(ServerConfig config, EventBus bus, UpstreamSupervisor first,
                           java.util.function.Supplier<UpstreamSupervisor> upstreams, boolean jvmMetrics, FatalErrors fatal) {
        this.config = config;
        this.bus = bus;
        this.spare = first;
        this.upstreams = upstreams;
        this.fatal = fatal;
        this.metrics = new ServerMetrics(jvmMetrics);
        this.fanout = new Fanout(metrics);
        this.headerDeadline = new HeaderDeadline(config.headerTimeout(), fatal);
        this.budget = new InboundBudget(config.inboundBudgetBytes());
        this.clients = new ClientSupervisor(fanout, metrics, config.ws(), budget, rejections, fatal);
        this.health = new NodeHealth(bus, this::upstream, state::snapshot, () -> closed,
                () -> fanout.count(dev.btclock.server.ws.Protocol.V1), () -> fanout.count(dev.btclock.server.ws.Protocol.V2));
    }

    /**
     * Starts with the providers found on the class path and in the plugin directory
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
        return start(config, Drivers.installed(plugins.loader()), Buses.installed(plugins.loader()), true,
                FatalErrors.EXIT);
    }

    /**
     * Starts with the given providers; fatal errors in server threads are only logged (the
     * process belongs to the caller: tests, embedders).
     *
     * @param jvmMetrics whether to export JVM metrics (once per process)
     * @throws ConfigException listing every bad setting, before any port is opened
     * @throws IOException     when a port cannot be bound
     */
    public static ServerAssembly start(ServerConfig config, ProviderLookup<UpstreamDriverProvider> drivers,
                                       ProviderLookup<BusProvider> buses, boolean jvmMetrics) throws IOException {
        return start(config, drivers, buses, jvmMetrics, FatalErrors.LOG_ONLY);
    }

    /**
     * Starts with the given providers and what to do when a server thread meets an {@link Error}.
     *
     * @param jvmMetrics whether to export JVM metrics (once per process)
     * @param fatal      called for every {@link Error} in a server thread ({@link FatalErrors#EXIT} in production)
     * @throws ConfigException listing every bad setting, before any port is opened
     * @throws IOException     when a port cannot be bound
     */
    public static ServerAssembly start(ServerConfig config, ProviderLookup<UpstreamDriverProvider> drivers,
                                       ProviderLookup<BusProvider> buses, boolean jvmMetrics, FatalErrors fatal)
            throws IOException {
        List<String> problems = new ArrayList<>();
        EventBus bus = null;
        UpstreamSupervisor driver = null;
        try {
            bus = buses.find(config.broker()).create(BusConfig.from(config.settings()));
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        try {
            driver = Upstreams.supervisor(config.settings(), drivers, Clock.systemUTC());
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        if (!problems.isEmpty()) {
            if (bus != null) {
                bus.close();
            }
            if (driver != null) {
                driver.close();
            }
            throw new ConfigException(problems);
        }
        LOG.info("upstream drivers available: {}; running {}. buses available: {}; using {} (BROKER)",
                drivers.names(), driver.drivers().stream().map(UpstreamDriver::name).toList(), buses.names(), config.broker());
        ServerAssembly a = new ServerAssembly(config, bus, driver,
                () -> Upstreams.supervisor(config.settings(), drivers, Clock.systemUTC()), jvmMetrics, fatal);
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
        metrics.upstream(this::upstream, this::lastEventAgeSeconds);
        metrics.leader(() -> bus.leadership().isLeader());
        if (bus.nodeId() != null) {
            metrics.broker(bus::sequenceGaps, bus::resnapshots);
            metrics.fleet(bus::status);
        }
        if (config.nostr() != null) {
            ServerConfig.NostrConfig n = config.nostr();
            nostr = new dev.btclock.nostr.NostrPublisher(n.keys(), n.relays(), n.refresh(), n.legacy(), Clock.systemUTC());
            metrics.nostr(nostr::stats, nostr::connected);
            nostr.start();
        }
        CatchUpGuard catchUp = new CatchUpGuard();
        bus.subscribe(event -> {
            if (catchUp.admit(event, state.snapshot())) {
                state.apply(event).ifPresent(change -> {
                    fanout.publish(change);
                    toNostr(change);
                });
            }
        });

        http = new HttpServer();
        NetworkListener listener = listener(config.listen());
        AcceptedSockets.install(listener.getTransport(), config.sendBufferBytes());
        listener.setMaxHttpHeaderSize(MAX_REQUEST_HEAD_BYTES);
        listener.setMaxRequestHeaders(MAX_REQUEST_HEADERS);
        // In this order: the guard checks a request's framing and deadline before the upgrade sees it.
        listener.registerAddOn(new RequestGuard(budget, rejections, fatal, metrics::inboundEvicted, headerDeadline));
        listener.registerAddOn(clients.upgrades());
        metrics.acceptPauses(() -> acceptBackoffs.stream().mapToLong(AcceptBackoff::pauses).sum());
        http.addListener(listener);
        http.getServerConfiguration().addHttpHandler(new GuardedHandler(new ApiHandler(state::snapshot, health), fatal), "/");
        http.start();
        LOG.info("listening on {} (WebSocket /ws, /api/v1/ws, /api/v2/ws; REST /api/*; /healthz)",
                new HostPort(config.listen().host(), port()));

        if (config.metrics() != null) {
            metricsHttp = new HttpServer();
            NetworkListener ml = listener(config.metrics());
            ml.setMaxHttpHeaderSize(MAX_REQUEST_HEAD_BYTES);
            ml.setMaxRequestHeaders(MAX_REQUEST_HEADERS);
            ml.registerAddOn(new RequestGuard(budget, rejections, fatal, metrics::inboundEvicted, headerDeadline));
            metricsHttp.addListener(ml);
            HttpHandler handler = new GuardedHandler(new MetricsHandler(metrics, health), fatal);
            metricsHttp.getServerConfiguration().addHttpHandler(handler, "/");
            metricsHttp.start();
            LOG.info("metrics on {} (/metrics, /healthz)", new HostPort(config.metrics().host(), metricsPort()));
        }
        clients.start();
        // Only the fleet's leader runs the upstream; every node serves what arrives on the bus.
        bus.leadership().onChange(this::leading);
    }

    /** Only the fleet's leader publishes to Nostr (every node sees the same changes); recording never blocks. */
    private void toNostr(dev.btclock.core.state.Change change) {
        dev.btclock.nostr.NostrPublisher n = nostr;
        if (n == null || !bus.leadership().isLeader()) {
            return;
        }
        if (change instanceof dev.btclock.core.state.Change.Price p) {
            n.price(p.currency(), p.price());
        } else if (change instanceof dev.btclock.core.state.Change.Block b) {
            n.block(b.height());
        } else if (change instanceof dev.btclock.core.state.Change.Fee f) {
            n.fee(f.fee());
        }
    }

    private synchronized UpstreamSupervisor upstream() {
        return driver;
    }

    private synchronized void leading(boolean leader) {
        if (closed) {
            return;
        }
        if (leader && driver == null) {
            try {
                driver = spare != null ? spare : upstreams.get();
            } catch (ConfigException e) {
                LOG.error("cannot start the upstream: {}", e.getMessage());
                return;
            }
            spare = null;
            driver.start(this::fromUpstream);
        } else if (!leader && driver != null) {
            LOG.info("not the leader any more: stopping the upstream");
            driver.close();
            driver = null;
        }
    }

    private void fromUpstream(Event e) {
        metrics.upstreamEvent(e instanceof PriceUpdate ? "price" : e instanceof BlockUpdate ? "block" : "fee");
        bus.publish(e);
    }

    private NetworkListener listener(HostPort at) {
        NetworkListener l = new NetworkListener(LISTENER, at.bindHost(), at.port());
        TCPNIOTransport t = l.getTransport();
        // A selector thread that meets an Error reports it here and goes on, broken: end the process.
        t.getMonitoringConfig().addProbes(new TransportProbe.Adapter() {
            @Override
            public void onErrorEvent(org.glassfish.grizzly.Transport transport, Throwable error) {
                fatal.ifError("the Grizzly selector", error);
            }
        });
        t.setSelectorRunnersCount(Math.max(1, Runtime.getRuntime().availableProcessors()));
        // Before the worker pool: setting a strategy replaces the pool with the strategy's default
        // (none for the listener's same-thread strategy).
        AcceptBackoff backoff = new AcceptBackoff(t.getIOStrategy(), acceptTimer);
        t.setIOStrategy(backoff);
        acceptBackoffs.add(backoff);
        t.setWorkerThreadPoolConfig(ThreadPoolConfig.defaultConfig().setPoolName("btclock-worker")
                .setCorePoolSize(WORKER_THREADS).setMaxPoolSize(WORKER_THREADS)
                .setThreadFactory(WorkerThreads.factory("btclock-worker", t.getMemoryManager(), fatal)));
        t.setTcpNoDelay(true);
        t.setKeepAlive(true);
        t.setServerConnectionBackLog(4096);
        return l;
    }

    /** What {@code /healthz} reports (see {@link NodeHealth}). */
    public HealthCheck.Status health() {
        return health.get();
    }

    /** What {@code /healthz/detail} shows: a JSON object. */
    public String healthDetail() {
        return health.detail();
    }

    private double lastEventAgeSeconds() {
        UpstreamSupervisor up = upstream();
        Instant last = up == null ? null : up.health().lastEvent();
        return last == null ? Double.NaN : Duration.between(last, Instant.now()).toMillis() / 1000.0;
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
        return http.getListener(LISTENER).getPort();
    }

    /** The bound metrics port, or -1 when metrics are off. */
    public int metricsPort() {
        return metricsHttp == null ? -1 : metricsHttp.getListener(LISTENER).getPort();
    }

    /** Connected device clients of a protocol. */
    public int clientsConnected(dev.btclock.server.ws.Protocol protocol) {
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
        http.getServerConfiguration().addHttpHandler(new GuardedHandler(handler, fatal), path);
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
        LOG.info("shutting down: closing {} clients with 1001", fanout.count(dev.btclock.server.ws.Protocol.V1)
                + fanout.count(dev.btclock.server.ws.Protocol.V2));
        if (http != null) {
            try {
                http.getListener(LISTENER).getTransport().unbindAll();
            } catch (RuntimeException e) {
                LOG.debug("unbind failed", e);
            }
            clients.goingAway(Duration.ofSeconds(2));
        }
        clients.close();
        UpstreamSupervisor up;
        synchronized (this) {
            up = driver;
            driver = null;
            if (spare != null) {
                spare.close();
                spare = null;
            }
        }
        if (up != null) {
            up.close();
        }
        bus.close();
        if (nostr != null) {
            nostr.close();
        }
        if (http != null) {
            http.shutdownNow();
        }
        if (metricsHttp != null) {
            metricsHttp.shutdownNow();
        }
        headerDeadline.close();
        acceptTimer.shutdownNow();
        LOG.info("stopped");
    }


}
