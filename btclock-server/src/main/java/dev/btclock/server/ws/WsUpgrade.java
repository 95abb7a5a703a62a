package dev.btclock.server.ws;

import dev.btclock.server.guard.Rejections;
import dev.btclock.server.guard.RequestGuard;
import dev.btclock.server.http.HeaderLists;
import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.filterchain.BaseFilter;
import org.glassfish.grizzly.filterchain.FilterChainBuilder;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.filterchain.NextAction;
import org.glassfish.grizzly.http.HttpContent;
import org.glassfish.grizzly.http.util.Header;
import org.glassfish.grizzly.http.HttpRequestPacket;
import org.glassfish.grizzly.http.Method;
import org.glassfish.grizzly.http.server.AddOn;
import org.glassfish.grizzly.http.server.HttpServerFilter;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.grizzly.http.util.ByteChunk;
import org.glassfish.grizzly.http.util.DataChunk;
import org.glassfish.grizzly.http.util.MimeHeaders;
import org.glassfish.grizzly.utils.IdleTimeoutFilter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The WebSocket side of the device port: a Grizzly add-on that answers upgrade requests itself
 * (RFC 6455 §4.2) and then serves the connection as a {@link Client}, with no WebSocket library
 * in between.
 *
 * <ul>
 *   <li>An upgrade on a device path ({@code /ws}, {@code /api/v1/ws}, {@code /api/v2/ws}, any
 *       query) gets the {@code 101} of docs/protocol.md §2.1, echoing the first offered subprotocol.</li>
 *   <li>An upgrade on any other path ({@code /ws/}, {@code /WS}, {@code /foo}) gets a {@code 101}
 *       and at once a close frame without status code, exactly as the TypeScript server did:
 *       refusing the handshake would count as a failed connect on v3.3 firmware, whose counter
 *       reboots the device (docs/protocol.md §5.2).</li>
 *   <li>A WebSocket handshake (an {@code Upgrade} listing {@code websocket}, or any upgrade on a
 *       device path or with a {@code Sec-WebSocket-Key}) that RFC 6455 §4.2.1 does not allow gets
 *       {@code 400} and is counted: not a GET over HTTP/1.1 with a {@code Host}, no
 *       {@code Connection: Upgrade}, a key that is not 16 base64-encoded bytes, subprotocols that
 *       are not tokens (never echoed). Another version than 13 gets {@code 426} naming version 13
 *       (RFC 6455 §4.4).</li>
 *   <li>An upgrade to anything else ({@code h2c}) where no WebSocket is served is ignored, as RFC
 *       9110 §7.8 allows: the request is served as plain HTTP.</li>
 *   <li>A v1 client that reads the handshake's response once and drops what came with it
 *       (ESP-IDF 4.4, v3 firmware up to 3.1.14) gets the 101 alone, and its connect frames after
 *       {@code WS_V1_CONNECT_DELAY_MS} or as soon as it sends something, whichever comes first.</li>
 * </ul>
 *
 * <p>An upgraded connection leaves the HTTP filter chain: its client becomes the connection's
 * processor (see {@link ConnectionProcessor}). The HTTP codec would otherwise keep the upgrade
 * request and response, with their header buffers, for the life of the connection (docs/design.md
 * §8.4), and every read would pass filters that have nothing left to do.
 */
public final class WsUpgrade implements AddOn {

    /** The device paths and the protocol each speaks (docs/protocol.md §2.1). */
    public static final Map<String, Protocol> DEVICE_PATHS =
            Map.of("/ws", Protocol.V1, "/api/v1/ws", Protocol.V1, "/api/v2/ws", Protocol.V2);

    /**
     * What serves a valid upgrade on a device path once this add-on has checked it: the native
     * engine's {@link Client}, or another engine's connection.
     */
    @FunctionalInterface
    public interface Handler {

        /**
         * Takes the connection over: writes {@code response} (the 101 of docs/protocol.md §2.1,
         * before any frame), makes a {@link ConnectionProcessor} of its own the connection's
         * processor (see {@link #leaveHttp}) and reads {@code early}, the bytes that came behind the
         * handshake. The request and its buffers are recycled when this returns.
         *
         * @param hold whether the client reads the 101 once and drops what came with it (ESP-IDF 4.4,
         *             docs/protocol.md §5.12), so that its first frames must wait
         */
        void upgraded(Connection<?> connection, HttpRequestPacket request, Protocol protocol, byte[] response,
                      boolean hold, Buffer early);
    }

    /** The device paths and their protocols, side by side: a handful, compared as bytes. */
    private final String[] paths;
    private final Protocol[] protocols;
    private final Rejections rejections;
    private final Handler handler;

    /**
     * An add-on serving {@code paths} through {@code handler}.
     *
     * @param paths      device paths (exact, without query) and their protocols
     * @param rejections where refused handshakes are counted and logged
     * @param handler    what serves a valid upgrade on a device path
     */
    public WsUpgrade(Map<String, Protocol> paths, Rejections rejections, Handler handler) {
        this.paths = paths.keySet().toArray(String[]::new);
        this.protocols = new Protocol[this.paths.length];
        for (int i = 0; i < this.paths.length; i++) {
            this.protocols[i] = paths.get(this.paths[i]);
        }
        this.rejections = rejections;
        this.handler = handler;
    }

    /** The native engine's add-on: valid upgrades become {@link Client}s of {@code clients}' fan-out. */
    WsUpgrade(Map<String, Protocol> paths, ClientContext clients) {
        this(paths, clients.rejections(), (connection, request, protocol, response, readsOnce, early) -> {
            Client client = new Client(protocol, connection, clients, clientKind(request));
            leaveHttp(connection, client);
            clients.fanout().join(client); // the connect frames wait in the client, to leave with the response
            boolean hold = readsOnce && !clients.v1ConnectDelay().isZero();
            client.open(response, hold);
            if (hold) {
                clients.timer().schedule(client::releaseHeld, clients.v1ConnectDelay().toNanos(), TimeUnit.NANOSECONDS);
            }
            if (early != null && early.hasRemaining()) {
                client.read(early); // a frame sent right behind the handshake, in the same read
            }
        });
    }

    /** The protocol served at {@code uri} (the request path, without query), or null. */
    private Protocol protocolAt(DataChunk uri) {
        for (int i = 0; i < paths.length; i++) {
            if (uri.equals(paths[i])) {
                return protocols[i];
            }
        }
        return null;
    }

    @Override
    public void setup(NetworkListener listener, FilterChainBuilder builder) {
        int idx = builder.indexOfType(HttpServerFilter.class);
        if (idx < 0) {
            throw new IllegalStateException("no HttpServerFilter in the listener's chain");
        }
        builder.add(idx, new HandshakeFilter());
        // Grizzly's keep-alive idle filter would close an upgraded connection after its timeout: it
        // sees none of its reads any more. Liveness is the ping/idle reaper's (ClientSupervisor).
        int idle = builder.indexOfType(IdleTimeoutFilter.class);
        if (idle >= 0) {
            builder.remove(idle);
        }
    }

    /** The upgrade requests, on the HTTP chain; everything else passes on to the HTTP handlers. */
    private final class HandshakeFilter extends BaseFilter {

        @Override
        public NextAction handleRead(FilterChainContext ctx) throws IOException {
            if (!(ctx.getMessage() instanceof HttpContent content)
                    || !(content.getHttpHeader() instanceof HttpRequestPacket request)
                    || request.getUpgradeDC().isNull()) {
                return ctx.getInvokeAction(); // plain HTTP
            }
            MimeHeaders headers = request.getHeaders();
            DataChunk keyHeader = headers.getValue("Sec-WebSocket-Key");
            Protocol protocol = protocolAt(request.getRequestURIRef().getRequestURIBC());
            boolean toWebSocket = HeaderLists.upgradesToWebSocket(request);
            if (!toWebSocket && protocol == null && keyHeader == null) {
                // An upgrade to something else (h2c, say) where no WebSocket is served: the header is
                // ignored (RFC 9110 §7.8) and the request served as plain HTTP.
                return ctx.getInvokeAction();
            }
            Connection<?> connection = ctx.getConnection();
            byte[] key = bytes(keyHeader);
            String subprotocols = text(headers.getValue("Sec-WebSocket-Protocol"));
            String refusal = refusal(request, headers, toWebSocket, key, subprotocols);
            if (refusal != null) {
                rejections.rejected(refusal, connection);
                respondAndClose(connection, Handshake.BAD_REQUEST);
                return ctx.getStopAction();
            }
            String subprotocol = Handshake.firstSubprotocol(subprotocols);
            if (protocol == null) {
                respondAndClose(connection, concat(Handshake.accepted(key, subprotocol), WsFrames.CLOSE_NO_STATUS));
                return ctx.getStopAction();
            }
            if (!isVersion13(headers.getValue("Sec-WebSocket-Version"))) {
                rejections.rejected("websocket-version", connection);
                respondAndClose(connection, Handshake.VERSION_REQUIRED);
                return ctx.getStopAction();
            }
            byte[] response = Handshake.accepted(key, subprotocol);
            boolean hold = protocol == Protocol.V1 && readsHandshakeOnce(headers);
            handler.upgraded(connection, request, protocol, response, hold, content.getContent());
            recycle(content, request);
            return ctx.getStopAction();
        }

        /**
         * Gives the request (with its response) and its content back to the thread's Grizzly
         * cache, as the HTTP handlers do after a request: nothing refers to them any more, and an
         * upgrade would otherwise leave about 10 KB of new header objects for the collector at
         * every connect.
         */
        private void recycle(HttpContent content, HttpRequestPacket request) {
            request.setExpectContent(false);
            request.getResponse().recycle();
            request.recycle();
            content.recycle();
        }

    }

    /**
     * Hands the connection's events to {@code processor} instead of the HTTP chain, and drops what
     * the HTTP codec kept of it (request, response, keep-alive state).
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static void leaveHttp(Connection connection, ConnectionProcessor processor) {
        connection.setProcessor(processor);
        connection.getAttributes().clear();
    }

    /*
     * The request's headers are read as Grizzly parsed them, in place: decoding each into a String
     * (a charset decoder with its buffers per header) was a sixth of the garbage of a connect.
     * The common spelling is compared as bytes; anything else takes the general, String way.
     */

    /**
     * Why a WebSocket handshake must be refused with 400 (RFC 6455 §4.2.1), as the reason counted
     * in the metrics, or null when it is well-formed: a GET over HTTP/1.1 with a {@code Host}, an
     * {@code Upgrade} listing {@code websocket}, a {@code Connection} listing {@code Upgrade}, a
     * {@code Sec-WebSocket-Key} of 16 base64-encoded bytes, and subprotocols (if any) that are
     * tokens. The common spellings are compared in place; anything else takes the general way.
     */
    private static String refusal(HttpRequestPacket request, MimeHeaders headers, boolean toWebSocket, byte[] key,
                                  String subprotocols) {
        if (!toWebSocket) {
            return "handshake-upgrade";
        }
        if (request.getMethod() != Method.GET) {
            return "handshake-method";
        }
        if (request.getProtocol() != org.glassfish.grizzly.http.Protocol.HTTP_1_1) {
            return "handshake-http-version";
        }
        if (headers.getValue(Header.Host) == null) {
            return "handshake-host";
        }
        DataChunk connection = headers.getValue(Header.Connection);
        if (connection == null || !connection.equalsIgnoreCase("upgrade")
                && !HeaderLists.contains(headers, "Connection", "upgrade")) {
            return "handshake-connection";
        }
        if (key == null || !Handshake.isValidKey(key)) {
            return "handshake-key";
        }
        if (!Handshake.isValidSubprotocolList(subprotocols)) {
            return "handshake-subprotocol";
        }
        return null;
    }

    /**
     * Whether the client is ESP-IDF's WebSocket client as v3 firmware 3.0.11–3.1.14 uses it (ESP-IDF
     * 4.4): its handshake reads the response and discards every byte after the header block, so
     * frames must not share a read with the 101. These firmwares send {@code BTClock/2.0} or
     * {@code BTClock/3.0}; the library's own default is {@code ESP32 Websocket Client}.
     */
    private static boolean readsHandshakeOnce(MimeHeaders headers) {
        DataChunk agent = headers.getValue("User-Agent");
        if (agent == null || agent.isNull()) {
            return false;
        }
        String ua = agent.toString();
        return ua.startsWith("BTClock/") || ua.equals("ESP32 Websocket Client");
    }

    /** What kind of client the upgrade request's {@code User-Agent} names. */
    public static ClientKind clientKind(HttpRequestPacket request) {
        DataChunk agent = request.getHeaders().getValue("User-Agent");
        return ClientKind.of(agent == null || agent.isNull() ? null : agent.toString());
    }

    private static boolean isVersion13(DataChunk version) {
        return version != null && !version.isNull()
                && (version.equals("13") || "13".equals(version.toString().trim()));
    }

    /** A header's value as its bytes (HTTP/1.1 carries ISO-8859-1), or null when it is absent. */
    private static byte[] bytes(DataChunk value) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.getType() == DataChunk.Type.Bytes) {
            ByteChunk chunk = value.getByteChunk();
            return Arrays.copyOfRange(chunk.getBuffer(), chunk.getStart(), chunk.getEnd());
        }
        return value.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String text(DataChunk value) {
        return value == null || value.isNull() ? null : value.toString();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = new byte[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    /** Writes {@code bytes} as the whole answer and closes the connection once they are out. */
    private static void respondAndClose(Connection<?> connection, byte[] bytes) {
        RequestGuard.respondAndClose(connection, bytes);
    }
}
