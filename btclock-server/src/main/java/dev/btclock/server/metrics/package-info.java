/** Prometheus metrics of the server. */
package dev.btclock.server.metrics;
