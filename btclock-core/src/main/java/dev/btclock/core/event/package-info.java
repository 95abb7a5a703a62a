/** The events that flow from upstream drivers through the bus: immutable records of raw upstream values. */
package dev.btclock.core.event;
