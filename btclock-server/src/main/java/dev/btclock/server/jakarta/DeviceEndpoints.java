package dev.btclock.server.jakarta;

import dev.btclock.server.metrics.ServerMetrics;
import dev.btclock.server.ws.ClientKind;
import dev.btclock.server.ws.Fanout;
import dev.btclock.server.ws.Protocol;
import dev.btclock.server.ws.Recipient;
import dev.btclock.server.ws.Ticker;
import dev.btclock.server.ws.WsSettings;
import dev.btclock.server.ws.WsUpgrade;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Extension;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.Session;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerEndpointConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The BTClock device endpoints as standard Jakarta WebSocket (JSR 356, 2.x) endpoints, for any
 * container: Tyrus (the server's {@code WS_ENGINE=jsr356}), Tomcat, Jetty, an application server.
 * They serve {@code /ws} and {@code /api/v1/ws} (v1 JSON) and {@code /api/v2/ws} (v2 MessagePack)
 * from a {@link Fanout} the caller owns and feeds ({@link Fanout#publish}).
 *
 * <pre>{@code
 * ServerMetrics metrics = new ServerMetrics(false);
 * Fanout fanout = new Fanout(metrics);
 * DeviceEndpoints devices = DeviceEndpoints.builder(fanout, metrics).build();
 * for (ServerEndpointConfig c : devices.configs()) {
 *     serverContainer.addEndpoint(c);          // jakarta.websocket.server.ServerContainer
 * }
 * devices.start();                             // pings and idle reaping
 * marketState.apply(event).ifPresent(fanout::publish);
 * ...
 * devices.close();                             // 1001 to every device, threads stopped
 * }</pre>
 *
 * <p>What the endpoints guarantee on any container: the frames of docs/protocol.md §2 (the fan-out's
 * bytes, as payloads), the first offered subprotocol echoed, no extensions, at most
 * {@code WS_QUEUE_FRAMES} frames waiting per device (then it is dropped, counted and closed),
 * {@code WS_MAX_MESSAGE_BYTES} per message, a ping every {@code WS_PING_SECONDS} and the session
 * closed after {@code WS_IDLE_TIMEOUT_SECONDS} of silence. What only the container decides: the
 * bytes of the 101 response, answers to upgrades on other paths and to malformed handshakes, how a
 * closed session's TCP connection ends, and how long a client may take to finish a message. The
 * README's "WebSocket engines" section compares them with the native engine.
 *
 * <p>Starts two daemon threads ({@link #start}): the pinger and the closer (closing a session may
 * block in some containers).
 */
public final class DeviceEndpoints implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceEndpoints.class);
    /** Checks for silence at most this often; pings are spread over the ping interval in slices of it. */
    private static final long TICK_MILLIS = 1000;

    private final Fanout fanout;
    private final ServerMetrics metrics;
    private final WsSettings settings;
    private final Ticker ticker;
    private final Function<Session, Runnable> terminators;
    private final Function<Session, ClientKind> clientKinds;
    private final ScheduledExecutorService pinger;
    private final ExecutorService closer;
    private long round;

    private DeviceEndpoints(Builder b) {
        this.fanout = b.fanout;
        this.metrics = b.metrics;
        this.settings = b.settings;
        this.ticker = b.ticker;
        this.terminators = b.terminator;
        this.clientKinds = b.clientKind;
        this.pinger = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "btclock-jsr356-pinger"));
        this.closer = Executors.newSingleThreadExecutor(r -> daemon(r, "btclock-jsr356-closer"));
    }

    /** A builder of endpoints serving {@code fanout}'s devices, counting in {@code metrics}. */
    public static Builder builder(Fanout fanout, ServerMetrics metrics) {
        return new Builder(fanout, metrics);
    }

    /** Settings of {@link DeviceEndpoints}. */
    public static final class Builder {
        private final Fanout fanout;
        private final ServerMetrics metrics;
        private WsSettings settings = WsSettings.defaults();
        private Ticker ticker = Ticker.SYSTEM;
        private Function<Session, Runnable> terminator = s -> null;
        private Function<Session, ClientKind> clientKind = s -> ClientKind.OTHER;

        private Builder(Fanout fanout, ServerMetrics metrics) {
            this.fanout = Objects.requireNonNull(fanout, "fanout");
            this.metrics = Objects.requireNonNull(metrics, "metrics");
        }

        /** Limits and timings (default {@link WsSettings#defaults()}); {@code WS_V1_CONNECT_DELAY_MS} is the engine's. */
        public Builder settings(WsSettings settings) {
            this.settings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /** The time source of pings and idle reaping (default {@link Ticker#SYSTEM}). */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * How to tell what kind of client a session is, called in {@code onOpen} (the engine that
         * read the upgrade request knows its User-Agent); {@link ClientKind#OTHER} for all by default.
         */
        public Builder clientKind(Function<Session, ClientKind> clientKind) {
            this.clientKind = Objects.requireNonNull(clientKind, "clientKind");
            return this;
        }

        /**
         * How to end a session's connection at once, at TCP level, when it must go (queue overflow,
         * silence): called in {@code onOpen}, it returns the action for that session, or null where
         * the container offers none (then the session is closed through the API, and its connection
         * ends as the container decides). The server's Tyrus engine supplies one.
         */
        public Builder terminator(Function<Session, Runnable> terminator) {
            this.terminator = Objects.requireNonNull(terminator, "terminator");
            return this;
        }

        /** The endpoints; no thread runs before {@link DeviceEndpoints#start}. */
        public DeviceEndpoints build() {
            return new DeviceEndpoints(this);
        }
    }

    /**
     * One {@link ServerEndpointConfig} per device path ({@code /ws}, {@code /api/v1/ws},
     * {@code /api/v2/ws}) to add to a container's {@code ServerContainer}, or to return from a
     * {@code ServerApplicationConfig}.
     */
    public List<ServerEndpointConfig> configs() {
        List<ServerEndpointConfig> configs = new ArrayList<>();
        for (Map.Entry<String, Protocol> e : new java.util.TreeMap<>(WsUpgrade.DEVICE_PATHS).entrySet()) {
            configs.add(ServerEndpointConfig.Builder.create(DeviceEndpoint.class, e.getKey())
                    .configurator(new DeviceConfigurator(this, e.getValue())).build());
        }
        return List.copyOf(configs);
    }

    /** Starts pinging and reaping. */
    public void start() {
        long tick = Math.min(TICK_MILLIS, settings.pingInterval().toMillis());
        int slices = (int) Math.max(1, settings.pingInterval().toMillis() / tick);
        pinger.scheduleWithFixedDelay(() -> {
            try {
                pingAndReap((int) (round++ % slices), slices);
            } catch (RuntimeException e) {
                LOG.error("ping round failed", e);
            }
        }, tick, tick, TimeUnit.MILLISECONDS);
    }

    /**
     * Reaps every device silent for longer than the idle timeout and pings those of one slice.
     * Public for tests that drive time by hand ({@link Builder#ticker}); the pinger runs it every second.
     *
     * @param slice  which slice of the devices to ping, 0 to {@code slices - 1}
     * @param slices how many slices the devices are pinged in
     */
    public void pingAndReap(int slice, int slices) {
        long now = ticker.nanoTime();
        long idle = settings.idleTimeout().toNanos();
        for (Recipient[] protocol : fanout.recipients()) {
            for (Recipient r : protocol) {
                if (!(r instanceof SessionRecipient s)) {
                    continue;
                }
                if (now - s.lastHeardNanos() > idle) {
                    if (s.finish()) {
                        metrics.idleClosed();
                        s.end(CloseReason.CloseCodes.GOING_AWAY.getCode(), "idle");
                    }
                } else if (s.order % slices == slice) {
                    s.ping();
                }
            }
        }
    }

    /**
     * Closes every device session with 1001 (going away) and waits up to {@code grace} for them to
     * leave the fan-out.
     */
    public void goingAway(Duration grace) {
        List<SessionRecipient> all = new ArrayList<>();
        fanout.forEach(r -> {
            if (r instanceof SessionRecipient s && s.finish()) {
                all.add(s);
            }
        });
        for (SessionRecipient s : all) {
            close(s, CloseReason.CloseCodes.GOING_AWAY.getCode(), "");
        }
        long end = System.nanoTime() + grace.toNanos();
        while (System.nanoTime() < end && (fanout.count(Protocol.V1) + fanout.count(Protocol.V2)) > 0) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Stops the pinger and, after the closes it has been given, the closer. Sessions stay open. */
    @Override
    public void close() {
        pinger.shutdownNow();
        closer.shutdown();
        try {
            closer.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // What the endpoints and their recipients share.

    Fanout fanout() {
        return fanout;
    }

    ServerMetrics metrics() {
        return metrics;
    }

    WsSettings settings() {
        return settings;
    }

    Ticker ticker() {
        return ticker;
    }

    int maxQueue() {
        return settings.queueFrames();
    }

    Runnable terminatorFor(Session session) {
        return terminators.apply(session);
    }

    ClientKind clientKindOf(Session session) {
        return clientKinds.apply(session);
    }

    void opened(SessionRecipient r) {
        fanout.join(r);
    }

    void closed(SessionRecipient r) {
        r.finish();
        fanout.leave(r);
    }

    /** A device's queue overflowed (it stopped reading): counted, and its connection ended off this thread. */
    void overflowed(SessionRecipient r) {
        metrics.backpressureDrop(r.protocol());
        LOG.debug("{} device stopped reading: {} frames waiting; dropping it", r.protocol().label(), maxQueue());
        run(() -> r.end(CloseReason.CloseCodes.VIOLATED_POLICY.getCode(), "too slow"));
    }

    /** A send failed: the session is broken; end it. */
    void failed(SessionRecipient r, Throwable error) {
        LOG.debug("send to {} device failed: {}", r.protocol().label(), error.toString());
        run(() -> r.end(CloseReason.CloseCodes.UNEXPECTED_CONDITION.getCode(), ""));
    }

    /** Closes a session through the API, off the calling thread (a container may block in close). */
    void close(SessionRecipient r, int code, String reason) {
        run(() -> {
            try {
                r.session().close(new CloseReason(CloseReason.CloseCodes.getCloseCode(code), reason));
            } catch (IOException | RuntimeException e) {
                LOG.debug("closing a {} device session failed: {}", r.protocol().label(), e.toString());
            }
        });
    }

    private void run(Runnable task) {
        try {
            closer.execute(task);
        } catch (RejectedExecutionException e) {
            task.run(); // closed: no thread to hand it to
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Creates one {@link DeviceEndpoint} per session; echoes the first subprotocol the device
     * offered, whatever it is (v3's {@code arduino}: docs/protocol.md §2.1); accepts no extension
     * and every origin.
     */
    private static final class DeviceConfigurator extends ServerEndpointConfig.Configurator {
        private final DeviceEndpoints owner;
        private final Protocol protocol;

        DeviceConfigurator(DeviceEndpoints owner, Protocol protocol) {
            this.owner = owner;
            this.protocol = protocol;
        }

        @Override
        public <T> T getEndpointInstance(Class<T> endpointClass) {
            return endpointClass.cast(new DeviceEndpoint(owner, protocol));
        }

        @Override
        public String getNegotiatedSubprotocol(List<String> supported, List<String> requested) {
            return requested == null || requested.isEmpty() ? "" : requested.get(0);
        }

        @Override
        public List<Extension> getNegotiatedExtensions(List<Extension> installed, List<Extension> requested) {
            return List.of();
        }

        @Override
        public boolean checkOrigin(String originHeaderValue) {
            return true;
        }

        @Override
        public void modifyHandshake(ServerEndpointConfig sec, HandshakeRequest request, HandshakeResponse response) {
            // nothing: no headers beyond the standard ones
        }
    }
}
