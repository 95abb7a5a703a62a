package dev.btclock.server.ws;

import dev.btclock.server.engine.DeviceEngine;
import dev.btclock.server.engine.EngineContext;
import dev.btclock.server.guard.FatalErrors;
import dev.btclock.server.metrics.ServerMetrics;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The native engine ({@code WS_ENGINE=native}): serves the device paths with the server's own
 * RFC 6455 code ({@link WsUpgrade}, {@link Client}) and keeps the connections honest: pings every client each {@code pingInterval}, terminates
 * clients silent for longer than {@code idleTimeout} (dead peers, half-open TCP), closes clients
 * whose frame or fragmented message stays unfinished longer than {@code messageTimeout}, terminates
 * stuck connections off the fan-out thread, and closes everyone with 1001 at shutdown.
 */
public final class ClientSupervisor implements DeviceEngine {

    private static final Logger LOG = LoggerFactory.getLogger(ClientSupervisor.class);
    private static final byte[] GOING_AWAY = WsFrames.close(1001);
    /** How long the closing handshake may take (the close frame out, the client's end) before the connection is reset. */
    private static final long CLOSING_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final Fanout fanout;
    private final ServerMetrics metrics;
    private final ClientContext context;
    private final Duration pingInterval;
    private final Duration idleTimeout;
    private final Duration messageTimeout;
    private final ExecutorService terminator;
    private final ScheduledExecutorService scheduler;
    private final FatalErrors fatal;
    private final Ticker ticker;

    /** The engine for the clients of {@code context}'s fan-out; threads start in {@link #start}. */
    public ClientSupervisor(EngineContext engine) {
        WsSettings settings = engine.ws();
        this.fanout = engine.fanout();
        this.metrics = engine.metrics();
        this.ticker = engine.ticker();
        this.fatal = engine.fatal();
        this.pingInterval = settings.pingInterval();
        this.idleTimeout = settings.idleTimeout();
        this.messageTimeout = settings.messageTimeout();
        this.terminator = Executors.newSingleThreadExecutor(r -> daemon(r, "btclock-ws-terminator"));
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "btclock-ws-pinger"));
        this.context = new ClientContext(fanout, metrics, settings.queueFrames(),
                new FrameReader.Limits(settings.maxMessageBytes(), false, engine.budget(), ticker),
                new FrameReader.Limits(settings.maxMessageBytes(), true, engine.budget(), ticker), terminator,
                engine.budget(), scheduler, settings.v1ConnectDelay(), engine.rejections(), fatal, ticker);
    }

    /** Serves {@code /ws}, {@code /api/v1/ws} (v1) and {@code /api/v2/ws} (v2) on {@code listener}. */
    @Override
    public void install(NetworkListener listener) {
        listener.registerAddOn(new WsUpgrade(WsUpgrade.DEVICE_PATHS, context));
    }

    /**
     * Starts pinging and reaping. Pings are spread over the
     * interval: every tick (at most a second) pings one slice of the clients, so 19k pongs do not
     * arrive in one burst that delays the next broadcast.
     */
    @Override
    public void start() {
        long tick = Math.min(1000, pingInterval.toMillis());
        int slices = (int) Math.max(1, pingInterval.toMillis() / tick);
        long[] round = {0};
        scheduler.scheduleWithFixedDelay(fatal.guard("the WebSocket pinger",
                () -> pingAndReap((int) (round[0]++ % slices), slices)), tick, tick, TimeUnit.MILLISECONDS);
    }

    /** Reaps every silent client and pings the clients of one slice, without holding the fan-out's lock. */
    void pingAndReap(int slice, int slices) {
        try {
            long now = ticker.nanoTime();
            long idle = idleTimeout.toNanos();
            long unfinished = messageTimeout.toNanos();
            int reaped = 0;
            for (Recipient[] protocol : fanout.recipients()) {
                for (Recipient r : protocol) {
                    if (!(r instanceof Client c)) {
                        continue; // another engine's: not this one's to keep
                    }
                    if (now - c.lastHeardNanos() > idle) {
                        if (c.terminate()) { // once: a reaped client stays listed until its end is reported
                            reaped++;
                            metrics.idleClosed();
                        }
                    } else if (c.closeIfInboundOverdue(now, unfinished)) {
                        metrics.messageTimeout();
                    } else if (c.terminateIfClosingTooLong(now, CLOSING_NANOS)) {
                        LOG.debug("ended a client that did not finish the closing handshake in time");
                    } else if (c.order % slices == slice) {
                        c.send(WsFrames.PING);
                    }
                }
            }
            if (reaped > 0) {
                LOG.debug("closed {} silent clients", reaped);
            }
        } catch (RuntimeException e) {
            LOG.error("ping round failed", e);
        }
    }

    /**
     * Sends a 1001 close frame to every client (after the frame each one has in flight; queued
     * data is dropped) and closes its connection once the frame is out, waiting up to
     * {@code grace} for that (clients that do not read are cut when the server stops).
     */
    @Override
    public void goingAway(Duration grace) {
        fanout.forEach(r -> {
            if (r instanceof Client c) {
                c.closeWith(GOING_AWAY);
            }
        });
        long end = System.nanoTime() + grace.toNanos();
        while (System.nanoTime() < end && !allFlushed()) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private boolean allFlushed() {
        for (Recipient[] protocol : fanout.recipients()) {
            for (Recipient r : protocol) {
                if (r instanceof Client c && !c.flushed()) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        terminator.shutdown();
        try {
            terminator.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
