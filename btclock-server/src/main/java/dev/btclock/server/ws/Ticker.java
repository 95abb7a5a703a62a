package dev.btclock.server.ws;

/**
 * The time source of the WebSocket layer (pings, idle reaping, unfinished messages, the closing
 * handshake, price re-pushes): {@link System#nanoTime()} in production, a hand-driven one in tests,
 * so that a test of a 75-second idle timeout takes no 75 seconds.
 */
@FunctionalInterface
public interface Ticker {

    /** The system's monotonic clock. */
    Ticker SYSTEM = System::nanoTime;

    /** Nanoseconds from an arbitrary origin, never going back; compare only differences. */
    long nanoTime();
}
