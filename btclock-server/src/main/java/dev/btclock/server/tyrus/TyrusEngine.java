package dev.btclock.server.tyrus;

import dev.btclock.server.engine.DeviceEngine;
import dev.btclock.server.engine.EngineContext;
import dev.btclock.server.guard.RequestGuard;
import dev.btclock.server.jakarta.DeviceEndpoints;
import dev.btclock.server.ws.Protocol;
import dev.btclock.server.ws.ClientKind;
import dev.btclock.server.ws.WsUpgrade;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.server.ServerEndpointConfig;
import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.http.HttpRequestPacket;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.grizzly.http.util.MimeHeaders;
import org.glassfish.tyrus.core.RequestContext;
import org.glassfish.tyrus.core.TyrusUpgradeResponse;
import org.glassfish.tyrus.core.TyrusWebSocketEngine;
import org.glassfish.tyrus.core.Utils;
import org.glassfish.tyrus.spi.WebSocketEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code WS_ENGINE=jsr356}: the portable {@link DeviceEndpoints}, registered with Tyrus's
 * {@link TyrusWebSocketEngine}, serve the devices. The upgrade is checked by the same
 * {@link WsUpgrade} add-on as the native engine's (same refusals, same 101-then-close on unknown
 * paths); a valid one goes to Tyrus, which creates the session and calls the endpoint, while the
 * connection stays the server's ({@link TyrusSocket}): the 101 is written by the server, in the
 * bytes of docs/protocol.md §2.1 and in one write with the connect frames; Tyrus's frames go out
 * through a bounded writer; a connection that must go is ended at TCP level.
 *
 * <p>What Tyrus does its own way: it parses the device's frames (a message longer than
 * {@code WS_MAX_MESSAGE_BYTES} closes the session, 1009 or 1011), answers pings, runs the closing
 * handshake, and keeps a message's unfinished frames in a per-session buffer of at most
 * {@code WS_MAX_MESSAGE_BYTES} plus a frame header and one read, outside {@code INBOUND_BUDGET_BYTES}
 * (the server follows the frames only to apply {@code WS_MESSAGE_TIMEOUT_SECONDS}).
 */
final class TyrusEngine implements DeviceEngine {

    private static final Logger LOG = LoggerFactory.getLogger(TyrusEngine.class);
    /** The largest header a client frame of a bounded message has: 2 bytes, 8 of extended length, 4 of mask. */
    private static final int MAX_FRAME_HEADER_BYTES = 14;
    /**
     * What Tyrus may buffer per connection beyond a whole frame: its read handler holds the
     * unparsed rest of earlier reads together with the next read (at most {@link TyrusSocket}'s read
     * buffer), and fails the connection with 1011 when they do not fit. The message limit itself is
     * enforced by the endpoints (1009).
     */
    private static final int READ_SLACK_BYTES = TyrusSocket.READ_BUFFER_BYTES;
    private static final byte[] BAD_REQUEST =
            "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    /**
     * Tyrus's own logging, held so that its level stays set (JUL keeps loggers weakly): Tyrus logs
     * a WARNING for every malformed frame a client sends ("Unexpected error, closing connection."),
     * which a hostile client could repeat at will. Those closes are counted in the metrics and
     * logged at debug by the server, as on the native engine; Tyrus's SEVERE messages still pass.
     */
    private static final java.util.logging.Logger TYRUS_LOG = java.util.logging.Logger.getLogger("org.glassfish.tyrus");

    static {
        TYRUS_LOG.setLevel(java.util.logging.Level.SEVERE);
    }

    /** The socket whose session Tyrus is opening on this thread: {@code onOpen} runs inside {@code createConnection}. */
    private static final ThreadLocal<TyrusSocket> OPENING = new ThreadLocal<>();

    private final EngineContext context;
    private final DeviceContainer container;
    private final TyrusWebSocketEngine engine;
    private final DeviceEndpoints endpoints;
    /** Releases held connect frames and ends closes that take too long. */
    private final ScheduledExecutorService timer;
    /** Runs terminations: ending a connection can report its end at once, on a thread that may hold the fan-out's lock. */
    private final ExecutorService closer;
    /** Every open device connection, for the message deadline. */
    private final java.util.Set<TyrusSocket> sockets = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Reports writes that Grizzly finished later (a device's backlog), so the next frames go out from here. */
    private final ExecutorService sender;

    TyrusEngine(EngineContext context) {
        this.context = context;
        this.container = new DeviceContainer(context.ws().maxMessageBytes());
        this.engine = TyrusWebSocketEngine.builder(container)
                .incomingBufferSize(context.ws().maxMessageBytes() + MAX_FRAME_HEADER_BYTES + READ_SLACK_BYTES).build();
        this.endpoints = DeviceEndpoints.builder(context.fanout(), context.metrics()).settings(context.ws())
                .ticker(context.ticker()).terminator(session -> {
                    TyrusSocket socket = OPENING.get();
                    return socket == null ? null : socket::terminate;
                }).clientKind(session -> {
                    TyrusSocket socket = OPENING.get();
                    return socket == null ? ClientKind.OTHER : socket.client();
                }).build();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "btclock-jsr356-timer"));
        this.closer = Executors.newSingleThreadExecutor(r -> daemon(r, "btclock-jsr356-terminator"));
        this.sender = Executors.newSingleThreadExecutor(r -> daemon(r, "btclock-jsr356-sender"));
        for (ServerEndpointConfig config : endpoints.configs()) {
            try {
                engine.register(config, "");
            } catch (DeploymentException e) {
                throw new IllegalStateException("Tyrus refused the device endpoint " + config.getPath(), e);
            }
        }
    }

    @Override
    public void install(NetworkListener listener) {
        listener.registerAddOn(new WsUpgrade(WsUpgrade.DEVICE_PATHS, context.rejections(), this::upgraded));
    }

    @Override
    public void start() {
        endpoints.start();
        long timeout = context.ws().messageTimeout().toNanos();
        timer.scheduleWithFixedDelay(context.fatal().guard("the jsr356 deadlines", () -> {
            long now = context.ticker().nanoTime();
            for (TyrusSocket s : sockets) {
                if (s.closeIfOverdue(now, timeout)) {
                    context.metrics().messageTimeout();
                } else {
                    s.terminateIfClosingTooLong(now);
                }
            }
        }), 1, 1, TimeUnit.SECONDS);
    }

    @Override
    public void goingAway(Duration grace) {
        endpoints.goingAway(grace);
    }

    @Override
    public void close() {
        endpoints.close();
        timer.shutdownNow();
        sender.shutdownNow();
        closer.shutdown();
        try {
            closer.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        container.shutdown();
    }

    /** A valid upgrade on a device path: Tyrus opens the session, the server keeps the connection. */
    private void upgraded(Connection<?> connection, HttpRequestPacket request, Protocol protocol, byte[] response,
                          boolean readsOnce, Buffer early) {
        TyrusUpgradeResponse ignored = new TyrusUpgradeResponse(); // the server writes its own 101
        WebSocketEngine.UpgradeInfo upgrade = engine.upgrade(requestOf(request), ignored);
        if (upgrade.getStatus() != WebSocketEngine.UpgradeStatus.SUCCESS) {
            LOG.warn("Tyrus refused an upgrade the server accepted ({}, {}): answering 400", request.getRequestURI(),
                    upgrade.getStatus());
            context.rejections().rejected("handshake-engine", connection);
            RequestGuard.respondAndClose(connection, BAD_REQUEST);
            return;
        }
        TyrusSocket socket = new TyrusSocket(connection, protocol, this, WsUpgrade.clientKind(request));
        sockets.add(socket);
        WsUpgrade.leaveHttp(connection, socket);
        OPENING.set(socket);
        try {
            socket.attach(upgrade.createConnection(socket.writer(), reason -> socket.closeAfterFlush()));
        } finally {
            OPENING.remove();
        }
        boolean hold = readsOnce && !context.ws().v1ConnectDelay().isZero();
        socket.open(response, hold);
        if (hold) {
            later(socket::releaseHeld, context.ws().v1ConnectDelay());
        }
        if (early != null && early.hasRemaining()) {
            socket.read(early.toByteBuffer()); // a frame sent right behind the handshake, in the same read
        }
    }

    /** The upgrade request as Tyrus reads it: path, query and every header (lists split as Tyrus's own container does). */
    private static RequestContext requestOf(HttpRequestPacket request) {
        RequestContext r = RequestContext.Builder.create()
                .requestURI(URI.create(request.getRequestURI()))
                .queryString(request.getQueryString())
                .secure(request.isSecure())
                .remoteAddr(request.getRemoteAddress())
                .build();
        MimeHeaders headers = request.getHeaders();
        for (String name : headers.names()) {
            for (String value : headers.values(name)) {
                r.getHeaders().computeIfAbsent(name, n -> new ArrayList<>()).addAll(Utils.parseHeaderValue(value.trim()));
            }
        }
        return r;
    }

    /** A connection ended. */
    void forget(TyrusSocket socket) {
        sockets.remove(socket);
    }

    EngineContext context() {
        return context;
    }

    /** Runs {@code task} after {@code delay} on the engine's timer (not at all once it is closed). */
    void later(Runnable task, Duration delay) {
        try {
            timer.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // closed: the server is stopping and ends every connection
        }
    }

    /** Runs the completion of a write Grizzly finished later (on the selector thread) on the sender thread. */
    void completeLater(Runnable completion) {
        try {
            sender.execute(context.fatal().guard("the jsr356 sender", completion));
        } catch (RejectedExecutionException e) {
            // closed: the connections are being ended, nothing more is sent
        }
    }

    /** Runs a termination off the calling thread (or on it, once the engine is closed). */
    void terminateLater(Runnable termination) {
        try {
            closer.execute(termination);
        } catch (RejectedExecutionException e) {
            termination.run();
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
