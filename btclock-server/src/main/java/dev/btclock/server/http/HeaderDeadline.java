package dev.btclock.server.http;

import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.http.HttpRequestPacket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Closes connections that do not deliver a complete request head in time: a connection that is
 * accepted and stays silent, a Slowloris client trickling one header line every few seconds (an
 * idle timeout alone would be reset by every byte), and a keep-alive connection that never sends
 * its next request. The clock starts when the connection is accepted and again when a request
 * has been read in full (a request body must arrive within the same deadline); it stops for good
 * once a connection is upgraded to a WebSocket, whose liveness the ping/idle reaper watches.
 *
 * <p>The listener's request guard tells it what happens ({@link #expectRequest},
 * {@link #requestRead}, {@link #forget}); one sweep thread checks the armed connections a few
 * times per timeout. An armed connection costs one map entry.
 */
public final class HeaderDeadline implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HeaderDeadline.class);

    private final long timeoutNanos;
    private final Map<Connection<?>, Long> armed = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sweeper;
    private final LongAdder closed = new LongAdder();

    /** A deadline of {@code timeout} for every request head, swept by a daemon thread whose errors go to {@code fatal}. */
    public HeaderDeadline(Duration timeout, dev.btclock.server.guard.FatalErrors fatal) {
        this.timeoutNanos = timeout.toNanos();
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "btclock-header-deadline");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(100, timeout.toMillis() / 4);
        sweeper.scheduleWithFixedDelay(fatal.guard("the header deadline sweeper", this::sweep), period, period,
                TimeUnit.MILLISECONDS);
    }

    /** Connections closed for missing their deadline so far. */
    public long closedCount() {
        return closed.sum();
    }

    /** {@code connection} was accepted, or finished a request: its next request head is due within the timeout. */
    public void expectRequest(Connection<?> connection) {
        armed.put(connection, System.nanoTime() + timeoutNanos);
    }

    /**
     * A request head (and perhaps content) of {@code request} was read on {@code connection}: an
     * upgrade to WebSocket leaves the deadline for good (a refused handshake is closed at once; an
     * upgrade to anything else is served as HTTP); a request read in full ({@code last}) makes the
     * next one due. A request body still arriving stays under the deadline of its request.
     */
    public void requestRead(Connection<?> connection, HttpRequestPacket request, boolean last) {
        if (request.isUpgrade() && HeaderLists.upgradesToWebSocket(request)) {
            armed.remove(connection);
        } else if (last) {
            expectRequest(connection);
        }
    }

    /** {@code connection} is closed. */
    public void forget(Connection<?> connection) {
        armed.remove(connection);
    }

    private void sweep() {
        long now = System.nanoTime();
        armed.forEach((connection, deadline) -> {
            if (now - deadline > 0 && armed.remove(connection, deadline)) {
                closed.increment();
                LOG.debug("closing {}: no complete request head within the header timeout", connection.getPeerAddress());
                connection.closeSilently();
            }
        });
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
        armed.clear();
    }
}
