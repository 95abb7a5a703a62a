package dev.btclock.server.publish;

import dev.btclock.core.state.Change;

/**
 * Sends the server's changes somewhere besides the devices (Nostr relays, say). Only the fleet's
 * leader publishes: every node sees the same changes.
 */
public interface ChangePublisher extends AutoCloseable {

    /** Starts connecting; called once, after the device port is open. */
    void start();

    /** Records one change; must never block (the fan-out's thread calls it). */
    void publish(Change change);

    /** Stops and lets go of every connection. Idempotent. */
    @Override
    void close();
}
