/**
 * The {@code valkey} bus for a fleet of nodes: Valkey/Redis Streams with a fenced publisher, a
 * reader that never loses or reorders, and a leader lease that keeps one upstream per fleet. Not
 * exported: found as a service.
 */
package dev.btclock.bus.valkey;
