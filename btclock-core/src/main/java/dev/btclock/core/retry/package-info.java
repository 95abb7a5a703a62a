/** Reconnect timing shared by drivers, buses and relay clients: exponential backoff with jitter. */
package dev.btclock.core.retry;
