package dev.btclock.bus.spi;

import dev.btclock.core.event.Event;

import java.util.function.Consumer;

/**
 * Carries events from the upstream side to every subscriber (in one process, or across nodes).
 *
 * <p>Contract, checked for every implementation by the {@code EventBusContract} test kit:
 * events from one publisher reach each subscriber in publish order; every subscriber receives
 * every event; a slow subscriber never delays the others or the publisher; {@link #close} is
 * idempotent. Implementations are thread-safe.
 */
public interface EventBus extends AutoCloseable {

    /** The {@code source} of events a bus delivers from its record of the current values (a node catching up). */
    String SNAPSHOT_SOURCE = "snapshot";

    /** The {@code source} of the values a new leader publishes again after an outage of the fleet's broker. */
    String RESYNC_SOURCE = "resync";

    /**
     * Whether {@code e} brings a node up to date rather than reporting a change: a value from the
     * bus's record of the current state, or one a new leader published again after an outage. Such
     * a value may be older than what the node already has from its own upstream: a subscriber
     * applies it only when its {@code at} is later than that of the value it holds, and a catch-up
     * height never lowers the current one.
     */
    static boolean isCatchUp(Event e) {
        return SNAPSHOT_SOURCE.equals(e.source()) || RESYNC_SOURCE.equals(e.source());
    }

    /**
     * Hands an event to the bus. Never blocks on subscribers; may be called from any thread.
     * After {@link #close} it does nothing.
     */
    void publish(Event event);

    /**
     * Registers a subscriber. Its callback runs on a thread owned by the bus, one event at a time,
     * in order; an exception it throws is logged and does not stop delivery.
     *
     * @return a handle that stops delivery to this subscriber when closed
     */
    Subscription subscribe(Consumer<Event> subscriber);

    /** Whether the bus can currently deliver (always true in-process; broker connectivity otherwise). */
    default boolean healthy() {
        return true;
    }

    /** This node's part in its fleet and the broker's state; never blocks. */
    default BusStatus status() {
        return BusStatus.SINGLE_NODE;
    }

    /**
     * Who in the fleet runs the upstream and publishes. Only the leader's {@link #publish} calls
     * reach the other nodes; a bus that serves one process is always the leader. A node cut off
     * from a shared broker counts as leading too (it runs the upstream for its own devices, see
     * {@link BusStatus.Role#STANDALONE}); its events then reach only its own subscribers.
     */
    default Leadership leadership() {
        return Leadership.ALWAYS;
    }

    /** This process's id among the nodes sharing the bus, or null for a bus that serves one process. */
    default String nodeId() {
        return null;
    }

    /** Entries this node could not read before the broker dropped them (always 0 in-process). */
    default long sequenceGaps() {
        return 0;
    }

    /** Times this node re-read the shared current values (always 0 in-process). */
    default long resnapshots() {
        return 0;
    }

    /** Stops delivery and releases every thread and connection. Idempotent. */
    @Override
    void close();

    /** A registered subscriber. */
    interface Subscription extends AutoCloseable {
        /** Stops delivery to this subscriber; idempotent. */
        @Override
        void close();
    }
}
