/**
 * Prices from several sources at once: {@link dev.btclock.upstream.price.PriceMedian} keeps each
 * source's latest quote per currency and publishes the median of the fresh ones, with sources far
 * from the others left out.
 */
package dev.btclock.upstream.price;
