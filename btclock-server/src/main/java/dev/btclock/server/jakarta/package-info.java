/**
 * The device endpoints as standard Jakarta WebSocket endpoints for any 2.x container:
 * {@link dev.btclock.server.jakarta.DeviceEndpoints}.
 */
package dev.btclock.server.jakarta;
