/** WebSocket endpoints, per-client bounded writers and the v1/v2 fan-out with its subscriber indexes. */
package dev.btclock.server.ws;
