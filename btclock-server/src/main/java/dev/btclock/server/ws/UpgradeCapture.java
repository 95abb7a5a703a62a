package dev.btclock.server.ws;

import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.EmptyCompletionHandler;
import org.glassfish.grizzly.WriteResult;
import org.glassfish.grizzly.attributes.AttributeHolder;
import org.glassfish.grizzly.filterchain.BaseFilter;
import org.glassfish.grizzly.filterchain.FilterChain;
import org.glassfish.grizzly.filterchain.FilterChainBuilder;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.filterchain.NextAction;
import org.glassfish.grizzly.filterchain.TransportFilter;
import org.glassfish.grizzly.http.HttpContent;
import org.glassfish.grizzly.http.HttpRequestPacket;
import org.glassfish.grizzly.http.Method;
import org.glassfish.grizzly.http.Protocol;
import org.glassfish.grizzly.http.server.AddOn;
import org.glassfish.grizzly.http.server.HttpServerFilter;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.grizzly.memory.Buffers;
import org.glassfish.tyrus.container.grizzly.server.GrizzlyServerFilter;
import org.glassfish.tyrus.spi.ServerContainer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;

/**
 * Tyrus's Grizzly add-on (the same filter {@code WebSocketAddOn} installs) with two additions.
 *
 * <p>It tells the endpoint which Grizzly {@link Connection} it is being opened on. Tyrus runs the
 * handshake and {@code onOpen} synchronously inside the filter's {@code handleRead}, so the
 * connection is published in a thread-local for exactly that call. The endpoint needs it to write
 * pre-framed bytes and to terminate a stuck connection, which the Jakarta API cannot (STACK.md §5.7).
 *
 * <p>It accepts a WebSocket upgrade on any other path ({@code /ws/}, {@code /WS}, {@code /foo})
 * with a 101 and closes it at once with a close frame without status code, exactly as the
 * TypeScript server did (PROTOCOL.md §2.1). Rejecting the handshake instead would count as a
 * failed connect on v3.3 firmware, whose counter reboots the device (PROTOCOL.md §5.2).
 */
public final class UpgradeCapture implements AddOn {

    private static final ThreadLocal<Connection<?>> UPGRADING = new ThreadLocal<>();
    private static final String WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    /** A close frame with no payload: the client reports 1005 (no status received). */
    private static final byte[] CLOSE_NO_STATUS = {(byte) 0x88, 0};

    private final ServerContainer container;
    private final Set<String> paths;

    /**
     * An add-on serving the endpoints of {@code container} under {@code /}.
     *
     * @param paths the exact paths the container serves; upgrades elsewhere get 101 and a close frame
     */
    public UpgradeCapture(ServerContainer container, Set<String> paths) {
        this.container = container;
        this.paths = Set.copyOf(paths);
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
        builder.add(idx, new CapturingFilter(container, paths));
    }

    /**
     * The 101 response for {@code request}, echoing the first offered subprotocol, followed by a
     * close frame; null when the request is not a valid WebSocket upgrade (no key).
     */
    static byte[] acceptAndClose(HttpRequestPacket request) {
        String key = request.getHeader("Sec-WebSocket-Key");
        if (key == null || key.isBlank()) {
            return null;
        }
        StringBuilder head = new StringBuilder(160)
                .append("HTTP/1.1 101 Switching Protocols\r\n")
                .append("Upgrade: websocket\r\n")
                .append("Connection: Upgrade\r\n")
                .append("Sec-WebSocket-Accept: ").append(accept(key.trim())).append("\r\n");
        String offered = request.getHeader("Sec-WebSocket-Protocol");
        if (offered != null && !offered.isBlank()) {
            head.append("Sec-WebSocket-Protocol: ").append(offered.split(",")[0].trim()).append("\r\n");
        }
        byte[] h = head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[h.length + CLOSE_NO_STATUS.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(CLOSE_NO_STATUS, 0, all, h.length, CLOSE_NO_STATUS.length);
        return all;
    }

    /** RFC 6455 §4.2.2: base64(SHA-1(key + GUID)). */
    static String accept(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1")
                    .digest((key + WS_GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every Java platform", e);
        }
    }

    private static final class CapturingFilter extends GrizzlyServerFilter {
        /** The HTTP codec's per-connection state (request, response, keep-alive) is in attributes named so. */
        private static final String HTTP_CODEC_ATTRIBUTES = "HttpServerFilter.";

        private final ServerContainer container;
        private final Set<String> paths;
        private volatile FilterChain slim;

        CapturingFilter(ServerContainer container, Set<String> paths) {
            super(container, "/");
            this.container = container;
            this.paths = paths;
        }

        @Override
        public NextAction handleRead(FilterChainContext ctx) throws IOException {
            if (ctx.getMessage() instanceof HttpContent content
                    && content.getHttpHeader() instanceof HttpRequestPacket request
                    && !paths.contains(request.getRequestURI())
                    && isWebSocketUpgrade(request)) {
                byte[] response = acceptAndClose(request);
                if (response != null) {
                    closeAfter(ctx.getConnection(), response);
                    return ctx.getStopAction();
                }
            }
            Connection<?> connection = ctx.getConnection();
            HttpRequestPacket handshake = ctx.getMessage() instanceof HttpContent content
                    && content.getHttpHeader() instanceof HttpRequestPacket request ? request : null;
            UPGRADING.set(connection);
            try {
                return super.handleRead(ctx);
            } finally {
                UPGRADING.remove();
                if (handshake != null && handshake.getResponse().getStatus() == 101) {
                    upgraded(ctx, connection);
                }
            }
        }

        /**
         * Moves an upgraded connection onto a chain without HTTP: the transport, a filter that hands
         * the raw bytes to Tyrus, and Tyrus (the listener has no idle-timeout filter, see
         * HeaderDeadline). The HTTP codec would otherwise keep the upgrade request
         * and response, with their header buffers, for the life of the connection (about 8 KB of
         * heap each, STACK.md §5.11) only to wrap each read, and every read would pass filters that
         * have nothing left to do.
         */
        @SuppressWarnings({"unchecked", "rawtypes"})
        private void upgraded(FilterChainContext ctx, Connection connection) {
            FilterChain slim = this.slim;
            if (slim == null) {
                FilterChain full = ctx.getFilterChain();
                if (!(full.get(0) instanceof TransportFilter)) {
                    return;
                }
                slim = FilterChainBuilder.stateless().add(full.get(0)).add(new RawFrames())
                        .add(new GrizzlyServerFilter(container, "/")).build();
                this.slim = slim;
            }
            connection.setProcessor(slim);
            AttributeHolder attributes = connection.getAttributes();
            for (String name : Set.copyOf(attributes.getAttributeNames())) {
                if (name.contains(HTTP_CODEC_ATTRIBUTES)) {
                    attributes.removeAttribute(name);
                }
            }
        }

        private static boolean isWebSocketUpgrade(HttpRequestPacket request) {
            String upgrade = request.getUpgrade();
            return upgrade != null && upgrade.toLowerCase(Locale.ROOT).contains("websocket");
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        private static void closeAfter(Connection connection, byte[] bytes) {
            Buffer buffer = Buffers.wrap(connection.getMemoryManager(), bytes);
            connection.write(buffer, new EmptyCompletionHandler<WriteResult<?, ?>>() {
                @Override
                public void completed(WriteResult<?, ?> result) {
                    connection.closeSilently();
                }

                @Override
                public void failed(Throwable throwable) {
                    connection.closeSilently();
                }
            });
        }
    }

    /**
     * Hands each read of an upgraded connection to Tyrus as the {@link HttpContent} it expects; Tyrus
     * takes the bytes and recycles the wrapper, and never looks at the header of an upgraded
     * connection's content.
     */
    private static final class RawFrames extends BaseFilter {
        private static final HttpRequestPacket UPGRADED = HttpRequestPacket.builder()
                .method(Method.GET).uri("/").protocol(Protocol.HTTP_1_1).upgrade("websocket").build();

        @Override
        public NextAction handleRead(FilterChainContext ctx) {
            Buffer bytes = ctx.getMessage();
            ctx.setMessage(HttpContent.builder(UPGRADED).content(bytes).build());
            return ctx.getInvokeAction();
        }
    }
}
