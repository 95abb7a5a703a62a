/** Exchange price drivers ({@code kraken}, {@code coinbase}, {@code bitfinex}, {@code binance}) on the exchanges' public WebSocket feeds (docs/upstreams.md §4.5). Not exported: found as services. */
package dev.btclock.upstream.exchange;
