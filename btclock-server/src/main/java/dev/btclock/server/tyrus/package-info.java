/**
 * {@code WS_ENGINE=jsr356}: Tyrus's Jakarta WebSocket engine serving the portable device endpoints
 * on the server's Grizzly listener, with a transport of the server's own (bounded writes, TCP-level
 * termination, the exact 101 of docs/protocol.md §2.1).
 */
package dev.btclock.server.tyrus;
