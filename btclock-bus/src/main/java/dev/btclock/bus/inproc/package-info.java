/** The default in-process bus: one delivery thread per subscriber, nothing leaves the JVM. Not exported: found as a service. */
package dev.btclock.bus.inproc;
