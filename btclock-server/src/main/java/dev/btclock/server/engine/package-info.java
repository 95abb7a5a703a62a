/**
 * The engine plug-in point of the device port: a {@link dev.btclock.server.engine.DeviceEngine}
 * serves the device WebSocket paths and feeds the fan-out; {@code native} (the server's own RFC 6455
 * code) and {@code jsr356} (Jakarta WebSocket endpoints on Tyrus) are built in, chosen with
 * {@code WS_ENGINE}.
 */
package dev.btclock.server.engine;
