/** The {@code mempool-ws} driver: a mempool instance's WebSocket and REST API (docs/upstreams.md §1). Not exported: found as a service. */
package dev.btclock.upstream.mempool;
