/** The latest market values and the protocol's rounding and dedup rules that decide what counts as a change. */
package dev.btclock.core.state;
