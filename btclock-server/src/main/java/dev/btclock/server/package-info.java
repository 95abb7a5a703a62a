/** The server's entry point, configuration and wiring. */
package dev.btclock.server;
