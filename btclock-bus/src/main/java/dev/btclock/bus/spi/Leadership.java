package dev.btclock.bus.spi;

import java.util.function.Consumer;

/**
 * Which node of a fleet runs the upstream drivers and publishes. Exactly one node holds it at a
 * time (as far as the bus can tell); the in-process bus is always the leader of its one-node fleet.
 */
public interface Leadership {

    /** The single node's leadership: always held. */
    Leadership ALWAYS = new Leadership() {
        @Override
        public boolean isLeader() {
            return true;
        }

        @Override
        public void onChange(Consumer<Boolean> listener) {
            listener.accept(true);
        }
    };

    /** Whether this node holds the leadership now. */
    boolean isLeader();

    /**
     * Registers a listener called with {@code true} when this node becomes the leader and
     * {@code false} when it loses the leadership (in that order, never twice the same value in a
     * row). Called at once with the current state if it is {@code true}. Listeners run on the
     * bus's own thread and must not block for long.
     */
    void onChange(Consumer<Boolean> listener);
}
