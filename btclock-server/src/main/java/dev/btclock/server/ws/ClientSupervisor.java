package dev.btclock.server.ws;

import dev.btclock.server.guard.FatalErrors;
import dev.btclock.server.guard.InboundBudget;
import dev.btclock.server.guard.Rejections;
import dev.btclock.server.metrics.ServerMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the device connections honest: pings every client each {@code pingInterval}, terminates
 * clients silent for longer than {@code idleTimeout} (dead peers, half-open TCP), closes clients
 * whose frame or fragmented message stays unfinished longer than {@code messageTimeout}, terminates
 * stuck connections off the fan-out thread, re-pushes quiet prices when {@code PRICE_REPUSH_SECONDS}
 * is set, and closes everyone with 1001 at shutdown.
 */
public final class ClientSupervisor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClientSupervisor.class);
    private static final byte[] GOING_AWAY = WsFrames.close(1001);
    /** How long the closing handshake may take (the close frame out, the client's end) before the connection is reset. */
    private static final long CLOSING_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final Fanout fanout;
    private final ServerMetrics metrics;
    private final ClientContext context;
    private final Duration pingInterval;
    private final Duration idleTimeout;
    private final Duration priceRepush;
    private final Duration messageTimeout;
    private final ExecutorService terminator;
    private final ScheduledExecutorService scheduler;
    private final FatalErrors fatal;

    /**
     * A supervisor for the clients of {@code fanout}; threads start in {@link #start}.
     *
     * @param budget     the server's budget for unfinished inbound data, shared with the HTTP side
     * @param rejections where refused handshakes are counted and logged
     * @param fatal      what an {@link Error} in a client's or the supervisor's thread leads to
     */
    public ClientSupervisor(Fanout fanout, ServerMetrics metrics, WsSettings settings, InboundBudget budget,
                            Rejections rejections, FatalErrors fatal) {
        this.fanout = fanout;
        this.metrics = metrics;
        this.pingInterval = settings.pingInterval();
        this.idleTimeout = settings.idleTimeout();
        this.priceRepush = settings.priceRepush();
        this.messageTimeout = settings.messageTimeout();
        this.terminator = Executors.newSingleThreadExecutor(r -> daemon(r, "btclock-ws-terminator"));
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "btclock-ws-pinger"));
        this.fatal = fatal;
        this.context = new ClientContext(fanout, metrics, settings.queueFrames(),
                new FrameReader.Limits(settings.maxMessageBytes(), false, budget),
                new FrameReader.Limits(settings.maxMessageBytes(), true, budget), terminator,
                budget, scheduler, settings.v1ConnectDelay(), rejections, fatal);
    }

    /** The Grizzly add-on serving {@code /ws}, {@code /api/v1/ws} (v1) and {@code /api/v2/ws} (v2) to these clients. */
    public WsUpgrade upgrades() {
        return new WsUpgrade(Map.of("/ws", Protocol.V1, "/api/v1/ws", Protocol.V1, "/api/v2/ws", Protocol.V2), context);
    }

    /**
     * Starts pinging and reaping, and the price re-push when it is on. Pings are spread over the
     * interval: every tick (at most a second) pings one slice of the clients, so 19k pongs do not
     * arrive in one burst that delays the next broadcast.
     */
    public void start() {
        long tick = Math.min(1000, pingInterval.toMillis());
        int slices = (int) Math.max(1, pingInterval.toMillis() / tick);
        long[] round = {0};
        scheduler.scheduleWithFixedDelay(fatal.guard("the WebSocket pinger",
                () -> pingAndReap((int) (round[0]++ % slices), slices)), tick, tick, TimeUnit.MILLISECONDS);
        if (!priceRepush.isZero()) {
            long age = priceRepush.toNanos();
            long check = Math.min(1000, priceRepush.toMillis());
            scheduler.scheduleWithFixedDelay(fatal.guard("the price re-push", () -> {
                try {
                    fanout.repushPrices(System.nanoTime(), age);
                } catch (RuntimeException e) {
                    LOG.error("price re-push failed", e);
                }
            }), check, check, TimeUnit.MILLISECONDS);
        }
    }

    /** Reaps every silent client and pings the clients of one slice, without holding the fan-out's lock. */
    private void pingAndReap(int slice, int slices) {
        try {
            long now = System.nanoTime();
            long idle = idleTimeout.toNanos();
            long unfinished = messageTimeout.toNanos();
            int reaped = 0;
            for (Client[] protocol : fanout.clients()) {
                for (Client c : protocol) {
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
    public void goingAway(Duration grace) {
        fanout.forEach(c -> c.closeWith(GOING_AWAY));
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
        for (Client[] protocol : fanout.clients()) {
            for (Client c : protocol) {
                if (!c.flushed()) {
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
