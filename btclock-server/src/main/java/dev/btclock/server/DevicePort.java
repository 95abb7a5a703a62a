package dev.btclock.server;

import dev.btclock.core.config.HostPort;
import dev.btclock.server.engine.DeviceEngine;
import dev.btclock.server.guard.AcceptBackoff;
import dev.btclock.server.guard.FatalErrors;
import dev.btclock.server.guard.GuardedHandler;
import dev.btclock.server.guard.RequestGuard;
import dev.btclock.server.guard.WorkerThreads;
import org.glassfish.grizzly.TransportProbe;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.HttpServer;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.grizzly.nio.transport.TCPNIOTransport;
import org.glassfish.grizzly.threadpool.ThreadPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The server's Grizzly listeners, tuned one way: the device port (WebSocket engine, REST,
 * {@code /healthz}) and the optional metrics port. Every limit Grizzly is given has a name here.
 */
final class DevicePort implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DevicePort.class);
    private static final String LISTENER = "btclock";

    /** Largest request head (request line and headers): a device's is about 200 bytes, a browser's a few KB. */
    static final int MAX_REQUEST_HEAD_BYTES = 16 * 1024;
    /** Most headers a request may carry: devices send 5 or 6, browsers about 15. */
    static final int MAX_REQUEST_HEADERS = 64;
    /** Threads for HTTP handlers (REST, health, metrics); reads and WebSocket frames stay on the selector threads. */
    static final int WORKER_THREADS = 4;
    /** Connections the kernel may hold accepted-but-not-yet-taken: a reconnect storm of a whole fleet's devices. */
    static final int ACCEPT_BACKLOG = 4096;

    private final FatalErrors fatal;
    private final List<AcceptBackoff> acceptBackoffs = new CopyOnWriteArrayList<>();
    /** Resumes accepting after a pause at the open-file limit; its thread starts with the first pause. */
    private final ScheduledExecutorService acceptTimer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "btclock-accept-backoff");
        t.setDaemon(true);
        return t;
    });
    private HttpServer http;
    private HttpServer metricsHttp;

    DevicePort(FatalErrors fatal) {
        this.fatal = fatal;
    }

    /**
     * Opens the device port: the request guard first (framing, deadlines, budgets), then the
     * engine's add-ons, then {@code handler} for every plain HTTP request.
     *
     * @param configureSocket applied to the listener's transport before it starts (socket options)
     */
    void openDevices(HostPort at, RequestGuard guard, DeviceEngine engine, HttpHandler handler,
                     java.util.function.Consumer<TCPNIOTransport> configureSocket) throws IOException {
        http = new HttpServer();
        NetworkListener listener = listener(at);
        configureSocket.accept(listener.getTransport());
        listener.registerAddOn(guard);
        engine.install(listener);
        http.addListener(listener);
        http.getServerConfiguration().addHttpHandler(new GuardedHandler(handler, fatal), "/");
        http.start();
    }

    /** Opens the metrics port with its own guard and {@code handler}. */
    void openMetrics(HostPort at, RequestGuard guard, HttpHandler handler) throws IOException {
        metricsHttp = new HttpServer();
        NetworkListener listener = listener(at);
        listener.registerAddOn(guard);
        metricsHttp.addListener(listener);
        metricsHttp.getServerConfiguration().addHttpHandler(new GuardedHandler(handler, fatal), "/");
        metricsHttp.start();
    }

    /** Serves {@code handler} at {@code path} on the device port. */
    void addHandler(HttpHandler handler, String path) {
        http.getServerConfiguration().addHttpHandler(new GuardedHandler(handler, fatal), path);
    }

    /** Times accepting paused at the open-file limit. */
    long acceptPauses() {
        return acceptBackoffs.stream().mapToLong(AcceptBackoff::pauses).sum();
    }

    /** The bound device port. */
    int port() {
        return http.getListener(LISTENER).getPort();
    }

    /** The bound metrics port, or -1 when it is off. */
    int metricsPort() {
        return metricsHttp == null ? -1 : metricsHttp.getListener(LISTENER).getPort();
    }

    /** Stops accepting devices; connections stay. */
    void stopAccepting() {
        if (http == null) {
            return;
        }
        try {
            http.getListener(LISTENER).getTransport().unbindAll();
        } catch (RuntimeException e) {
            LOG.debug("unbind failed", e);
        }
    }

    /** Whether the device port was opened. */
    boolean isOpen() {
        return http != null;
    }

    @Override
    public void close() {
        if (http != null) {
            http.shutdownNow();
        }
        if (metricsHttp != null) {
            metricsHttp.shutdownNow();
        }
        acceptTimer.shutdownNow();
    }

    private NetworkListener listener(HostPort at) {
        NetworkListener l = new NetworkListener(LISTENER, at.bindHost(), at.port());
        l.setMaxHttpHeaderSize(MAX_REQUEST_HEAD_BYTES);
        l.setMaxRequestHeaders(MAX_REQUEST_HEADERS);
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
        t.setServerConnectionBackLog(ACCEPT_BACKLOG);
        return l;
    }
}
