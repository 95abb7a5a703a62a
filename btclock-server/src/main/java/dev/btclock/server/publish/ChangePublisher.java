package dev.btclock.server.publish;

import dev.btclock.core.state.Change;

import java.util.List;

/**
 * Sends the server's changes somewhere besides the devices (Nostr relays, say). Only the fleet's
 * leader publishes: every node sees the same changes.
 */
public interface ChangePublisher extends AutoCloseable {

    /** Starts connecting; called once, after the device port is open. */
    void start();

    /** Records one change; must never block (the fan-out's thread calls it). */
    void publish(Change change);

    /**
     * Where this publisher sends to and how each destination is doing, for {@code /healthz/detail}
     * and the status page; none by default. Never blocks; nothing secret (URLs without passwords).
     */
    default List<Destination> destinations() {
        return List.of();
    }

    /** Stops and lets go of every connection. Idempotent. */
    @Override
    void close();

    /**
     * One destination of a publisher (a Nostr relay, say) and its counters since the start.
     *
     * @param name      what it is called, a URL without its password
     * @param connected whether its connection is open now
     * @param published changes handed to it
     * @param delivered changes it accepted
     * @param failed    changes that finally failed on it
     */
    record Destination(String name, boolean connected, long published, long delivered, long failed) {
    }
}
