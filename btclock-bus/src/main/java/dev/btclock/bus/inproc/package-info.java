/** The default in-process bus: one delivery thread per subscriber, nothing leaves the JVM. */
package dev.btclock.bus.inproc;
