package dev.btclock.tests;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpointConfig;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.HttpServer;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.glassfish.tyrus.container.grizzly.server.WebSocketAddOn;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.List;

/**
 * A mempool instance on loopback that speaks mempool's real REST and WebSocket protocol
 * (docs/upstreams.md §1): {@code init} answered with the cached init object once it has blocks,
 * {@code want} answered with the newly wanted keys, {@code {"action":"ping"}} with
 * {@code {"pong": true}}, non-JSON closes the socket, top-level separators {@code ", "} and
 * {@code ": "} as mempool writes them. Scripted per test; {@link #stop} and {@link #start} on the
 * same port simulate an outage.
 */
public final class FakeMempoolServer implements AutoCloseable {

    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicInteger rejectedUpgrades = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger restAnswered = new java.util.concurrent.atomic.AtomicInteger();
    private volatile int restStatus = 200;
    private volatile long height = 870123;
    private volatile String blockId = "0000000000000000000aaa";
    private volatile double medianFee = 12.5;
    private volatile String conversions = "{\"time\":1755012300,\"USD\":64212,\"EUR\":59123,\"GBP\":-1,"
            + "\"CAD\":-1,\"CHF\":55000,\"AUD\":-1,\"JPY\":10123456}";
    private HttpServer http;
    private int port;

    /** Starts on a free loopback port. */
    public static FakeMempoolServer start() throws IOException {
        FakeMempoolServer f = new FakeMempoolServer();
        f.startOn(0);
        return f;
    }

    /** Restarts on the same port after {@link #stop}. */
    public void restart() throws IOException {
        startOn(port);
    }

    private void startOn(int p) throws IOException {
        http = new HttpServer();
        NetworkListener l = new NetworkListener("fake", "127.0.0.1", p);
        WsContainer container = new WsContainer(1 << 20);
        // Registered before Tyrus's add-on, so it sees every request first.
        l.registerAddOn(new UpgradeOnlyToWebSocket());
        l.registerAddOn(new WebSocketAddOn(container, "/"));
        // mempool.space does not cut a quiet subscriber.
        l.registerAddOn(WsContainer.withoutIdleTimeout());
        http.addListener(l);
        http.getServerConfiguration().addHttpHandler(new Rest(), "/");
        try {
            container.addEndpoint(ServerEndpointConfig.Builder.create(MempoolSocket.class, "/api/v1/ws")
                    .configurator(new ServerEndpointConfig.Configurator() {
                        @Override
                        public <T> T getEndpointInstance(Class<T> c) {
                            return c.cast(new MempoolSocket(FakeMempoolServer.this));
                        }
                    }).build());
            http.start();
            port = l.getPort();
            container.start("/", port);
        } catch (jakarta.websocket.DeploymentException e) {
            throw new IOException(e);
        }
    }

    /** {@code http://127.0.0.1:port}, the value for {@code MEMPOOL_INSTANCE}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** Sets the tip served by REST and {@code blocks}. */
    public void tip(long height, String id) {
        this.height = height;
        this.blockId = id;
    }

    /** Sets the next block's median fee served by REST and {@code mempool-blocks}. */
    public void medianFee(double fee) {
        this.medianFee = fee;
    }

    /** Sets the {@code conversions} object (JSON) served by REST and {@code init}. */
    public void conversions(String json) {
        this.conversions = json;
    }

    /** A new block as mempool sends it: {@code block} and {@code mempool-blocks} in one frame. */
    public void pushBlock(long height, String id, double medianFee) {
        tip(height, id);
        medianFee(medianFee);
        broadcast("{\"block\": " + block(height, id) + ", \"mempool-blocks\": " + mempoolBlocks() + "}");
    }

    /** A mempool change: only {@code mempool-blocks}. */
    public void pushFee(double medianFee) {
        medianFee(medianFee);
        broadcast("{\"mempool-blocks\": " + mempoolBlocks() + "}");
    }

    /** A price cycle: {@code conversions}, sent to every client regardless of {@code want}. */
    public void pushConversions(String json) {
        conversions(json);
        broadcast("{\"conversions\": " + json + "}");
    }

    /** Sends {@code frame} verbatim to every connected client. */
    public void broadcast(String frame) {
        for (Session s : sessions) {
            s.getAsyncRemote().sendText(frame);
        }
    }

    /** How many WebSocket clients are connected. */
    public int clients() {
        return sessions.size();
    }

    /** Makes every REST call answer {@code status} (an outage of the REST side); 200 serves again. */
    public void restStatus(int status) {
        this.restStatus = status;
    }

    /** REST calls answered with 200 so far. */
    public int restAnswered() {
        return restAnswered.get();
    }

    /** Closes every WebSocket client's connection (1011), as a restarting backend does; REST goes on. */
    public void dropClients() {
        for (Session s : sessions) {
            try {
                s.close(new CloseReason(CloseReason.CloseCodes.UNEXPECTED_CONDITION, "restarting"));
            } catch (IOException | RuntimeException e) {
                // already gone
            }
        }
    }

    /** Every text message clients sent, in order. */
    public List<String> received() {
        return received;
    }

    /** Stops serving (REST and WebSocket); connected clients see the connection drop. */
    public void stop() {
        if (http != null) {
            // Like a real server going down: every client connection ends now, not at the next ping.
            for (Session s : sessions) {
                try {
                    s.close(new CloseReason(CloseReason.CloseCodes.GOING_AWAY, "stopping"));
                } catch (IOException | RuntimeException e) {
                    // already gone
                }
            }
            http.shutdownNow();
            http = null;
            sessions.clear();
        }
    }

    @Override
    public void close() {
        stop();
    }

    private String block(long h, String id) {
        return "{\"id\":\"" + id + "\",\"height\":" + h + ",\"version\":536870912,\"timestamp\":1755012345,"
                + "\"tx_count\":3104,\"size\":1612345,\"weight\":3993120,\"extras\":{\"medianFee\":3.1,"
                + "\"feeRange\":[1.5,2.0,250.1],\"pool\":{\"id\":111,\"name\":\"Foundry USA\"}}}";
    }

    private String mempoolBlocks() {
        return "[{\"blockSize\":1598234,\"blockVSize\":997843.75,\"nTx\":3012,\"totalFees\":3921544,\"medianFee\":"
                + medianFee + ",\"feeRange\":[2,2.65,3.01,3.5,4.9,8.12,201]}]";
    }

    private final class Rest extends HttpHandler {
        @Override
        public void service(Request req, Response res) throws Exception {
            if (restStatus != 200) {
                res.setStatus(restStatus);
                return;
            }
            restAnswered.incrementAndGet();
            String body;
            String type = "application/json";
            switch (req.getRequestURI()) {
                case "/api/blocks/tip/height", "/api/v1/blocks/tip/height" -> {
                    body = Long.toString(height);
                    type = "text/plain";
                }
                case "/api/v1/fees/mempool-blocks" -> body = mempoolBlocks();
                case "/api/v1/prices" -> body = conversions;
                default -> {
                    res.setStatus(404);
                    return;
                }
            }
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            res.setContentType(type);
            res.setContentLength(b.length);
            res.getOutputStream().write(b);
        }
    }

    /**
     * mempool's backend attaches its WebSocket server to the HTTP server itself, so Node hands it
     * every request that carries {@code Upgrade}, and the {@code ws} library answers anything that
     * is not a WebSocket handshake (an {@code h2c} upgrade offered on a REST call, say) with 400,
     * before any route sees it. The fake does the same.
     */
    private final class UpgradeOnlyToWebSocket implements org.glassfish.grizzly.http.server.AddOn {
        @Override
        public void setup(NetworkListener listener, org.glassfish.grizzly.filterchain.FilterChainBuilder builder) {
            int idx = builder.indexOfType(org.glassfish.grizzly.http.server.HttpServerFilter.class);
            builder.add(idx, new org.glassfish.grizzly.filterchain.BaseFilter() {
                @Override
                public org.glassfish.grizzly.filterchain.NextAction handleRead(
                        org.glassfish.grizzly.filterchain.FilterChainContext ctx) throws IOException {
                    if (ctx.getMessage() instanceof org.glassfish.grizzly.http.HttpContent content
                            && content.getHttpHeader() instanceof org.glassfish.grizzly.http.HttpRequestPacket request) {
                        String upgrade = request.getHeader("Upgrade");
                        if (upgrade != null && !upgrade.equalsIgnoreCase("websocket")) {
                            rejectedUpgrades.incrementAndGet();
                            byte[] body = "Invalid Upgrade header".getBytes(StandardCharsets.US_ASCII);
                            byte[] head = ("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/html\r\n"
                                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                            byte[] all = java.util.Arrays.copyOf(head, head.length + body.length);
                            System.arraycopy(body, 0, all, head.length, body.length);
                            org.glassfish.grizzly.Connection<?> c = ctx.getConnection();
                            c.write(org.glassfish.grizzly.memory.Buffers.wrap(c.getMemoryManager(), all));
                            c.closeSilently();
                            return ctx.getStopAction();
                        }
                    }
                    return ctx.getInvokeAction();
                }
            });
        }
    }

    /** How many requests were refused with 400 for offering an upgrade to something other than WebSocket. */
    public int rejectedUpgrades() {
        return rejectedUpgrades.get();
    }

    /** One mempool WebSocket client. */
    public static final class MempoolSocket extends Endpoint {
        private final FakeMempoolServer fake;

        MempoolSocket(FakeMempoolServer fake) {
            this.fake = fake;
        }

        @Override
        public void onOpen(Session session, EndpointConfig config) {
            fake.sessions.add(session);
            session.addMessageHandler(String.class, (MessageHandler.Whole<String>) text -> onMessage(session, text));
        }

        private void onMessage(Session session, String text) {
            fake.received.add(text);
            JsonObject msg;
            try {
                msg = JsonParser.parseString(text).getAsJsonObject();
            } catch (RuntimeException e) {
                try {
                    session.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
                return;
            }
            String action = msg.has("action") ? msg.get("action").getAsString().toLowerCase(Locale.ROOT) : "";
            switch (action) {
                case "init" -> session.getAsyncRemote().sendText("{\"blocks\": [" + fake.block(fake.height, fake.blockId)
                        + "], \"conversions\": " + fake.conversions + ", \"mempool-blocks\": " + fake.mempoolBlocks()
                        + ", \"loadingIndicators\": {}}");
                case "want" -> {
                    StringBuilder sb = new StringBuilder("{");
                    String data = msg.get("data").toString();
                    if (data.contains("\"blocks\"")) {
                        sb.append("\"blocks\": [").append(fake.block(fake.height, fake.blockId)).append("]");
                    }
                    if (data.contains("\"mempool-blocks\"")) {
                        sb.append(sb.length() > 1 ? ", " : "").append("\"mempool-blocks\": ").append(fake.mempoolBlocks());
                    }
                    session.getAsyncRemote().sendText(sb.append('}').toString());
                }
                case "ping" -> session.getAsyncRemote().sendText("{\"pong\": true}");
                default -> {
                    // track-* and friends are ignored, as by mempool for unknown actions
                }
            }
        }

        @Override
        public void onClose(Session session, CloseReason reason) {
            fake.sessions.remove(session);
        }
    }

    /** For diagnostics in failing tests. */
    @Override
    public String toString() {
        return "FakeMempoolServer" + Map.of("port", port, "clients", sessions.size());
    }
}
