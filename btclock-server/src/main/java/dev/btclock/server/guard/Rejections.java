package dev.btclock.server.guard;

import org.glassfish.grizzly.Connection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Requests and connections refused for what they sent (a malformed or ambiguous HTTP request, a
 * WebSocket handshake the RFC does not allow), counted by reason and logged without flooding:
 * the first refusal is logged at once, later ones at most once per interval as one summary line.
 * Nothing the client sent is ever written to the log, only the reason and its address, and never
 * a stack trace: a client that sends garbage is not a server problem.
 *
 * <p>Thread-safe.
 */
public final class Rejections {

    private static final Logger LOG = LoggerFactory.getLogger(Rejections.class);

    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final long intervalNanos;
    private final Object logLock = new Object();
    private final Map<String, Long> sinceLog = new TreeMap<>();
    private long nextLogNanos;
    private boolean loggedAny;

    /** Logs a summary at most once per {@code interval}. */
    public Rejections(Duration interval) {
        this.intervalNanos = interval.toNanos();
    }

    /** A refusal for {@code reason} (a short, fixed word such as {@code transfer-encoding}) on {@code connection}. */
    public void rejected(String reason, Connection<?> connection) {
        counts.computeIfAbsent(reason, r -> new LongAdder()).increment();
        String line = null;
        synchronized (logLock) {
            sinceLog.merge(reason, 1L, Long::sum);
            long now = System.nanoTime();
            if (!loggedAny || now - nextLogNanos >= 0) {
                line = (loggedAny ? "refused since the last report: " : "refused: ") + sinceLog
                        + "; latest " + reason + " from " + peer(connection)
                        + " (counted in btclock_requests_refused_total; logged at most every "
                        + intervalNanos / 1_000_000_000L + " s)";
                sinceLog.clear();
                loggedAny = true;
                nextLogNanos = now + intervalNanos;
            }
        }
        if (line != null) {
            LOG.info(line);
        }
    }

    /** Refusals so far, by reason. */
    public Map<String, Long> counts() {
        Map<String, Long> out = new TreeMap<>();
        counts.forEach((r, n) -> out.put(r, n.sum()));
        return out;
    }

    private static String peer(Connection<?> connection) {
        Object address = connection == null ? null : connection.getPeerAddress();
        if (address instanceof InetSocketAddress a && a.getAddress() != null) {
            return a.getAddress().getHostAddress();
        }
        return "an unknown address";
    }
}
