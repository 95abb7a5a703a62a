package dev.btclock.upstream.spi;

import java.time.Instant;

/**
 * A driver's connectivity.
 *
 * @param connected whether the driver currently has a working connection to its upstream
 * @param lastEvent when the driver last received data from the upstream, or {@code null} if never
 * @param detail    a short human-readable state, e.g. {@code "connected"} or {@code "reconnecting in 4s: ..."}
 */
public record DriverHealth(boolean connected, Instant lastEvent, String detail) {
}
