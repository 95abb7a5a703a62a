/** Reading settings from a plain string map, collecting every problem into one {@link dev.btclock.core.config.ConfigException}. */
package dev.btclock.core.config;
