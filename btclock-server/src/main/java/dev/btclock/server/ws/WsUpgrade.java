package dev.btclock.server.ws;

import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.EmptyCompletionHandler;
import org.glassfish.grizzly.WriteResult;
import org.glassfish.grizzly.filterchain.BaseFilter;
import org.glassfish.grizzly.filterchain.FilterChainBuilder;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.filterchain.NextAction;
import org.glassfish.grizzly.http.HttpContent;
import org.glassfish.grizzly.http.HttpRequestPacket;
import org.glassfish.grizzly.http.Method;
import org.glassfish.grizzly.http.server.AddOn;
import org.glassfish.grizzly.http.server.HttpServerFilter;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.grizzly.http.util.ByteChunk;
import org.glassfish.grizzly.http.util.DataChunk;
import org.glassfish.grizzly.http.util.MimeHeaders;
import org.glassfish.grizzly.memory.Buffers;
import org.glassfish.grizzly.utils.IdleTimeoutFilter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * The WebSocket side of the device port: a Grizzly add-on that answers upgrade requests itself
 * (RFC 6455 §4.2) and then serves the connection as a {@link Client}, with no WebSocket library
 * in between.
 *
 * <ul>
 *   <li>An upgrade on a device path ({@code /ws}, {@code /api/v1/ws}, {@code /api/v2/ws}, any
 *       query) gets the {@code 101} of PROTOCOL.md §2.1, echoing the first offered subprotocol.</li>
 *   <li>An upgrade on any other path ({@code /ws/}, {@code /WS}, {@code /foo}) gets a {@code 101}
 *       and at once a close frame without status code, exactly as the TypeScript server did:
 *       refusing the handshake would count as a failed connect on v3.3 firmware, whose counter
 *       reboots the device (PROTOCOL.md §5.2).</li>
 *   <li>An upgrade without {@code Sec-WebSocket-Key} gets {@code 400}; another version than 13
 *       gets {@code 426} naming version 13 (RFC 6455 §4.4).</li>
 * </ul>
 *
 * <p>An upgraded connection leaves the HTTP filter chain: its client becomes the connection's
 * processor (see {@link ConnectionProcessor}). The HTTP codec would otherwise keep the upgrade
 * request and response, with their header buffers, for the life of the connection (STACK.md
 * §5.11), and every read would pass filters that have nothing left to do.
 */
public final class WsUpgrade implements AddOn {

    /** The device paths and their protocols, side by side: a handful, compared as bytes. */
    private final String[] paths;
    private final Protocol[] protocols;
    private final ClientContext clients;

    WsUpgrade(Map<String, Protocol> paths, ClientContext clients) {
        this.paths = paths.keySet().toArray(String[]::new);
        this.protocols = new Protocol[this.paths.length];
        for (int i = 0; i < this.paths.length; i++) {
            this.protocols[i] = paths.get(this.paths[i]);
        }
        this.clients = clients;
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
                    || !isWebSocketUpgrade(request)) {
                return ctx.getInvokeAction();
            }
            Connection<?> connection = ctx.getConnection();
            MimeHeaders headers = request.getHeaders();
            byte[] key = bytes(headers.getValue("Sec-WebSocket-Key"));
            if (key == null || Handshake.isBlank(key)) {
                respondAndClose(connection, Handshake.BAD_REQUEST);
                return ctx.getStopAction();
            }
            String subprotocols = text(headers.getValue("Sec-WebSocket-Protocol"));
            Protocol protocol = protocolAt(request.getRequestURIRef().getRequestURIBC());
            if (protocol == null) {
                respondAndClose(connection, concat(Handshake.accepted(key, subprotocols), WsFrames.CLOSE_NO_STATUS));
                return ctx.getStopAction();
            }
            if (!isVersion13(headers.getValue("Sec-WebSocket-Version"))) {
                respondAndClose(connection, Handshake.VERSION_REQUIRED);
                return ctx.getStopAction();
            }
            byte[] response = Handshake.accepted(key, subprotocols);
            Client client = new Client(protocol, connection, clients);
            leaveHttp(connection, client);
            clients.fanout().open(client); // the connect frames wait in the client, to leave with the response
            client.open(response);
            Buffer early = content.getContent();
            if (early != null && early.hasRemaining()) {
                client.read(early); // a frame sent right behind the handshake, in the same read
            }
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

        /**
         * Hands the connection's events to its client instead of the HTTP chain, and drops what
         * the HTTP codec kept of it (request, response, keep-alive state).
         */
        @SuppressWarnings({"unchecked", "rawtypes"})
        private void leaveHttp(Connection connection, Client client) {
            connection.setProcessor(client);
            connection.getAttributes().clear();
        }
    }

    /*
     * The request's headers are read as Grizzly parsed them, in place: decoding each into a String
     * (a charset decoder with its buffers per header) was a sixth of the garbage of a connect.
     * The common spelling is compared as bytes; anything else takes the general, String way.
     */

    private static boolean isWebSocketUpgrade(HttpRequestPacket request) {
        DataChunk upgrade = request.getUpgradeDC();
        return request.getMethod() == Method.GET && !upgrade.isNull()
                && (upgrade.equalsIgnoreCase("websocket")
                        || upgrade.toString().toLowerCase(Locale.ROOT).contains("websocket"));
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
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void respondAndClose(Connection connection, byte[] bytes) {
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
