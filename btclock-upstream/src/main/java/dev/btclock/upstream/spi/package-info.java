/** The upstream plugin point: {@link dev.btclock.upstream.spi.UpstreamDriver}, its provider, configuration, health and lookup. */
package dev.btclock.upstream.spi;
