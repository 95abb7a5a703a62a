package dev.btclock.bus.spi;

import java.time.Duration;

/**
 * How a node stands in its fleet: for health, metrics and the detail endpoint.
 *
 * @param role               this node's part
 * @param brokerReachable    whether the broker answered within {@code BROKER_STALE_SECONDS} (always true without a broker)
 * @param sinceBrokerContact how long ago the broker last answered, or null for a bus without a broker
 */
public record BusStatus(Role role, boolean brokerReachable, Duration sinceBrokerContact) {

    /** A node's part in its fleet. */
    public enum Role {
        /** The only node: an in-process bus. */
        SINGLE,
        /** Holds the lease: runs the upstream and publishes for the fleet. */
        LEADER,
        /** Serves its devices from what the leader publishes. */
        FOLLOWER,
        /**
         * Cut off from the broker: runs the upstream itself and serves its devices from it until the
         * broker answers again, then leads or follows as the lease decides.
         */
        STANDALONE;

        /** The lower-case name, as metrics and the detail endpoint show it. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The status of a bus that serves one process. */
    public static final BusStatus SINGLE_NODE = new BusStatus(Role.SINGLE, true, null);
}
