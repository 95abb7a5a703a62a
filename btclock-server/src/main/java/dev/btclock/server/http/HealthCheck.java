package dev.btclock.server.http;

import java.util.function.Supplier;

/**
 * What {@code /healthz} answers: 200 {@code ok}, or 503 with the first reason that applies
 * ({@code upstream down}, {@code broker stale}, {@code no data yet}, {@code shutting down}).
 */
public interface HealthCheck extends Supplier<HealthCheck.Status> {

    /**
     * A health verdict.
     *
     * @param healthy whether the node should receive traffic
     * @param reason  {@code ok} or why not
     */
    record Status(boolean healthy, String reason) {
        /** The healthy status. */
        public static final Status OK = new Status(true, "ok");

        /** An unhealthy status with {@code reason}. */
        public static Status down(String reason) {
            return new Status(false, reason);
        }
    }
}
