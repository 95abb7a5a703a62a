package dev.btclock.server.ws;

import java.time.Duration;

/**
 * The limits and timings of the device WebSocket layer.
 *
 * @param queueFrames     {@code WS_QUEUE_FRAMES}: frames a client may have waiting before it is terminated
 * @param maxMessageBytes {@code WS_MAX_MESSAGE_BYTES}: the largest message a client may send (all its fragments)
 * @param messageTimeout  {@code WS_MESSAGE_TIMEOUT_SECONDS}: how long a frame or fragmented message may stay unfinished
 * @param pingInterval    {@code WS_PING_SECONDS}: server ping cadence
 * @param idleTimeout     {@code WS_IDLE_TIMEOUT_SECONDS}: silence after which a client is terminated
 * @param priceRepush     {@code PRICE_REPUSH_SECONDS}: re-send a price unchanged for this long (zero: off)
 * @param v1ConnectDelay  {@code WS_V1_CONNECT_DELAY_MS}: how long the connect frames of an ESP-IDF 4.4 v1
 *                        client wait after the 101 (zero: sent with it)
 */
public record WsSettings(int queueFrames, int maxMessageBytes, Duration messageTimeout, Duration pingInterval,
                         Duration idleTimeout, Duration priceRepush, Duration v1ConnectDelay) {

    /**
     * The defaults of the environment settings: 256 frames, 1,024 bytes, 10 s, pings every 25 s,
     * 75 s idle, no re-push, 500 ms for ESP-IDF 4.4 clients.
     */
    public static WsSettings defaults() {
        return new WsSettings(256, 1024, Duration.ofSeconds(10), Duration.ofSeconds(25), Duration.ofSeconds(75),
                Duration.ZERO, Duration.ofMillis(500));
    }

    /** These settings with another ping interval and idle timeout (the environment insists on at least 60 s idle). */
    public WsSettings withPing(Duration ping, Duration idle) {
        return new WsSettings(queueFrames, maxMessageBytes, messageTimeout, ping, idle, priceRepush, v1ConnectDelay);
    }

    /** These settings with another limit on unfinished messages. */
    public WsSettings withMessageTimeout(Duration timeout) {
        return new WsSettings(queueFrames, maxMessageBytes, timeout, pingInterval, idleTimeout, priceRepush, v1ConnectDelay);
    }
}
