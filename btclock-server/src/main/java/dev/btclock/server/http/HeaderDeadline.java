package dev.btclock.server.http;

import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.filterchain.BaseFilter;
import org.glassfish.grizzly.filterchain.FilterChainBuilder;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.filterchain.NextAction;
import org.glassfish.grizzly.http.HttpContent;
import org.glassfish.grizzly.http.HttpRequestPacket;
import org.glassfish.grizzly.http.server.AddOn;
import org.glassfish.grizzly.http.server.HttpServerFilter;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.grizzly.utils.IdleTimeoutFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
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
 * <p>One sweep thread checks the armed connections a few times per timeout; an armed connection
 * costs one map entry. It replaces Grizzly's keep-alive idle timeout, whose filter it removes from
 * the listener's chain: that filter keeps every connection, WebSocket ones too, in a queue that
 * its checker thread walks every second.
 */
public final class HeaderDeadline implements AddOn, AutoCloseable {

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

    @Override
    public void setup(NetworkListener listener, FilterChainBuilder builder) {
        int idx = builder.indexOfType(HttpServerFilter.class);
        if (idx < 0) {
            throw new IllegalStateException("no HttpServerFilter in the listener's chain");
        }
        // Right after the HTTP codec: a request reaches this filter only once its head is complete.
        builder.add(idx, new DeadlineFilter());
        // Grizzly's keep-alive idle filter does less than this and costs every connection, upgraded
        // ones included, a queue entry that its checker thread scans every second.
        int idle = builder.indexOfType(IdleTimeoutFilter.class);
        if (idle >= 0) {
            builder.remove(idle);
        }
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

    private final class DeadlineFilter extends BaseFilter {
        @Override
        public NextAction handleAccept(FilterChainContext ctx) throws IOException {
            armed.put(ctx.getConnection(), System.nanoTime() + timeoutNanos);
            return ctx.getInvokeAction();
        }

        @Override
        public NextAction handleRead(FilterChainContext ctx) throws IOException {
            if (ctx.getMessage() instanceof HttpContent content
                    && content.getHttpHeader() instanceof HttpRequestPacket request) {
                Connection<?> c = ctx.getConnection();
                if (request.isUpgrade() && HeaderLists.upgradesToWebSocket(request)) {
                    // From here on the WebSocket ping/idle reaper watches the connection (a refused
                    // handshake is closed at once). An upgrade to anything else is served as HTTP.
                    armed.remove(c);
                } else if (content.isLast()) {
                    // The next request on this keep-alive connection gets its own deadline.
                    armed.put(c, System.nanoTime() + timeoutNanos);
                }
                // A request body still arriving stays under the deadline of its request.
            }
            return ctx.getInvokeAction();
        }

        @Override
        public NextAction handleClose(FilterChainContext ctx) throws IOException {
            armed.remove(ctx.getConnection());
            return ctx.getInvokeAction();
        }
    }
}
