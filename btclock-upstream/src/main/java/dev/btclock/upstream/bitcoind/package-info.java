/**
 * The {@code bitcoind-rpc} and {@code bitcoind-zmq} drivers: the operator's own node over JSON-RPC,
 * optionally woken by ZMQ notifications, with mempool's next-block median fee computed locally
 * (docs/upstreams.md §1.7, §2). Not exported: found as services.
 */
package dev.btclock.upstream.bitcoind;
