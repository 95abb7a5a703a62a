package dev.btclock.server.ws;

import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.filterchain.FilterChainBuilder;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.filterchain.NextAction;
import org.glassfish.grizzly.http.server.AddOn;
import org.glassfish.grizzly.http.server.HttpServerFilter;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.tyrus.container.grizzly.server.GrizzlyServerFilter;
import org.glassfish.tyrus.spi.ServerContainer;

import java.io.IOException;

/**
 * Tyrus's Grizzly add-on (the same filter {@code WebSocketAddOn} installs) that also tells the
 * endpoint which Grizzly {@link Connection} it is being opened on. Tyrus runs the handshake and
 * {@code onOpen} synchronously inside the filter's {@code handleRead}, so the connection is
 * published in a thread-local for exactly that call. The endpoint needs it to write pre-framed
 * bytes and to terminate a stuck connection, which the Jakarta API cannot (STACK.md §5.7).
 */
public final class UpgradeCapture implements AddOn {

    private static final ThreadLocal<Connection<?>> UPGRADING = new ThreadLocal<>();

    private final ServerContainer container;

    /** An add-on serving the endpoints of {@code container} under {@code /}. */
    public UpgradeCapture(ServerContainer container) {
        this.container = container;
    }

    /** The connection whose upgrade is being handled on this thread, or null. */
    static Connection<?> upgradingConnection() {
        return UPGRADING.get();
    }

    @Override
    public void setup(NetworkListener listener, FilterChainBuilder builder) {
        int idx = builder.indexOfType(HttpServerFilter.class);
        if (idx < 0) {
            throw new IllegalStateException("no HttpServerFilter in the listener's chain");
        }
        builder.add(idx, new CapturingFilter(container));
    }

    private static final class CapturingFilter extends GrizzlyServerFilter {
        CapturingFilter(ServerContainer container) {
            super(container, "/");
        }

        @Override
        public NextAction handleRead(FilterChainContext ctx) throws IOException {
            UPGRADING.set(ctx.getConnection());
            try {
                return super.handleRead(ctx);
            } finally {
                UPGRADING.remove();
            }
        }
    }
}
