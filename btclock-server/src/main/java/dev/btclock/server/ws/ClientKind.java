package dev.btclock.server.ws;

import java.util.Locale;

/**
 * What kind of client a device connection is, as its upgrade request's {@code User-Agent} says: a
 * fixed, small set (the raw header is never kept or shown), for the status page and the metrics.
 */
public enum ClientKind {
    /** BTClock firmware that names itself ({@code BTClock/3.0}, ...). */
    BTCLOCK_FIRMWARE,
    /** ESP-IDF's WebSocket client with its default name ({@code ESP32 Websocket Client}): v3 firmware, or another ESP32 project. */
    ESP32_CLIENT,
    /** A web browser ({@code Mozilla/5.0 ...}): the web widgets. */
    BROWSER,
    /** Anything else, or no {@code User-Agent}. */
    OTHER;

    /** The kind a {@code User-Agent} value names (null: none). */
    public static ClientKind of(String userAgent) {
        if (userAgent == null) {
            return OTHER;
        }
        if (userAgent.startsWith("BTClock/")) {
            return BTCLOCK_FIRMWARE;
        }
        if (userAgent.equals("ESP32 Websocket Client")) {
            return ESP32_CLIENT;
        }
        return userAgent.startsWith("Mozilla/") ? BROWSER : OTHER;
    }

    /** Lower-case with dashes, as JSON fields and metric labels show it: {@code btclock-firmware}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
