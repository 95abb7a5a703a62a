/** Finding a plugin provider by the name a user typed, with one actionable message for every failure. */
package dev.btclock.core.plugin;
