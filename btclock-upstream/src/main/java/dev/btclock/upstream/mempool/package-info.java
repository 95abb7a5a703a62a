/** The {@code mempool-ws} driver: a mempool.space instance's WebSocket and REST API. */
package dev.btclock.upstream.mempool;
