/**
 * Where changes go besides the devices: {@link dev.btclock.server.publish.PublisherProvider}s found
 * with {@link java.util.ServiceLoader} by name ({@code PUBLISHERS}); {@code nostr} is built in.
 */
package dev.btclock.server.publish;
