package dev.btclock.server.http;

import java.util.function.Supplier;

/**
 * What {@code /healthz} answers (200 when the node can serve devices, 503 when not, with the
 * reason as the body) and what {@code /healthz/detail} shows.
 */
public interface HealthCheck extends Supplier<HealthCheck.Status> {

    /** {@code /healthz/detail}: a JSON object; by default only the status and its reason. */
    default String detail() {
        Status s = get();
        return "{\"status\":\"" + (s.healthy() ? "ok" : "down") + "\",\"reason\":\"" + Responses.jsonEscape(s.reason()) + "\"}";
    }

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
