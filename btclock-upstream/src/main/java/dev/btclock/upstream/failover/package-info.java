/**
 * Several drivers behind one: per kind of datum, the first driver in priority order that is
 * connected and fresh serves it; built from {@code UPSTREAM}, {@code UPSTREAM_FALLBACK},
 * {@code PRICE_SOURCE} and the {@code FAILOVER_*} grace windows.
 */
package dev.btclock.upstream.failover;
