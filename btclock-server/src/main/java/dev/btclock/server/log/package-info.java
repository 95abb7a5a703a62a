/** {@code LOG_FORMAT=json}: an SLF4J provider that writes one JSON object per log event, for log shippers. */
package dev.btclock.server.log;
