package dev.btclock.server.engine;

import org.glassfish.grizzly.http.server.NetworkListener;

import java.time.Duration;

/**
 * What serves the device WebSocket paths ({@code /ws}, {@code /api/v1/ws}, {@code /api/v2/ws}) on
 * the device port, beside the REST endpoints: it answers the upgrades, hands every connection to
 * the {@link EngineContext#fanout() fan-out} as a {@link dev.btclock.server.ws.Recipient}, keeps
 * connections alive or reaps them, and closes them at shutdown. The server calls {@link #install},
 * opens the port, calls {@link #start}, and at shutdown {@link #goingAway} then {@link #close}.
 */
public interface DeviceEngine extends AutoCloseable {

    /**
     * Adds the engine to the device port's listener before it starts (Grizzly add-ons): upgrade
     * requests on any path must reach it, plain HTTP requests must pass on to the REST handlers.
     */
    void install(NetworkListener listener);

    /** Starts pinging, reaping and whatever else runs on timers; the port is open. */
    void start();

    /**
     * Sends a 1001 close frame to every device and waits up to {@code grace} for those frames to be
     * written (devices that do not read are cut when the server stops).
     */
    void goingAway(Duration grace);

    /** Stops the engine's threads. Idempotent. */
    @Override
    void close();
}
