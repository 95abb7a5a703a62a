package dev.btclock.tests;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.HttpServer;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bitcoind on loopback that speaks the real wire formats of docs/upstreams.md §2: JSON-RPC over HTTP
 * with basic auth (legacy replies: HTTP 200 with {@code result} and {@code error: null}, HTTP 500
 * or 404 with an error object; 401 with an empty body; 503 {@code Work queue depth exceeded}), and
 * a real jeromq XPUB socket sending three-frame {@code hashblock}/{@code sequence} notifications
 * with per-topic little-endian counters. Scripted per test.
 */
public final class FakeBitcoind implements AutoCloseable {

    /** How the RPC server answers every call. */
    public enum Mode { NORMAL, WARMING_UP, BUSY }

    /** The user and password the fake accepts. */
    public static final String USER = "btclock";
    /** The password the fake accepts. */
    public static final String PASS = "s3cret";

    /** A mempool of five 250,000 vB transactions at 1..5 sat/vB: the next block holds 5, 4, 3 → medianFee 3.5. */
    public static final String MEMPOOL_3_5 = mempool(1, 2, 3, 4, 5);

    private volatile long height = 903412;
    private volatile String bestHash = hash(903412);
    private volatile String mempool = MEMPOOL_3_5;
    private volatile String mempoolInfo = "{\"loaded\":true,\"size\":5,\"bytes\":1250000,\"usage\":1,\"total_fee\":0.15000000,"
            + "\"maxmempool\":300000000,\"mempoolminfee\":0.00001000,\"minrelaytxfee\":0.00001000}";
    private volatile boolean rawMempoolFails;
    private volatile String smartFee = "{\"feerate\":0.00004210,\"blocks\":2}";
    private volatile Mode mode = Mode.NORMAL;
    private volatile boolean jsonRpc2;
    private final AtomicInteger garbage = new AtomicInteger();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final List<String> methods = new CopyOnWriteArrayList<>();
    private final Map<String, Long> counters = new ConcurrentHashMap<>();

    private HttpServer http;
    private int port;
    private ZContext zmq;
    private ZMQ.Socket pub;
    private int zmqPort;
    private int subscriptions;

    private FakeBitcoind() {
    }

    /** Starts RPC and ZMQ on free loopback ports. */
    public static FakeBitcoind start() throws IOException {
        FakeBitcoind f = new FakeBitcoind();
        f.startRpc(0);
        f.zmq = new ZContext(1);
        // XPUB rather than PUB: the same messages out, and the subscriptions come back, so a test can
        // tell a subscriber that never connected from one that received nothing.
        f.pub = f.zmq.createSocket(SocketType.XPUB);
        f.pub.bind("tcp://127.0.0.1:*");
        f.zmqPort = Integer.parseInt(f.pub.getLastEndpoint().replaceAll(".*:", ""));
        return f;
    }

    /** How many subscriptions (topic sign-ups) subscribers have sent; bitcoind's drivers send two each. */
    public synchronized int subscriptions() {
        byte[] msg;
        while ((msg = pub.recv(ZMQ.DONTWAIT)) != null) {
            if (msg.length > 0 && msg[0] == 1) {
                subscriptions++;
            }
        }
        return subscriptions;
    }

    private void startRpc(int p) throws IOException {
        http = new HttpServer();
        NetworkListener l = new NetworkListener("fake-bitcoind", "127.0.0.1", p);
        http.addListener(l);
        http.getServerConfiguration().addHttpHandler(new Rpc(), "/");
        http.start();
        port = l.getPort();
    }

    /** {@code host:port} of the RPC server. */
    public String rpcAddress() {
        return "127.0.0.1:" + port;
    }

    /** The ZMQ endpoint. */
    public String zmqEndpoint() {
        return "tcp://127.0.0.1:" + zmqPort;
    }

    /** Settings for the drivers: RPC address, credentials, ZMQ endpoint. */
    public Map<String, String> settings() {
        return Map.of("BITCOIND_RPC", rpcAddress(), "BITCOIND_USER", USER, "BITCOIND_PASS", PASS,
                "BITCOIND_ZMQ", zmqEndpoint());
    }

    /** The display hash the fake uses for a height. */
    public static String hash(long height) {
        return String.format("%064x", 0xb7c0c000L + height);
    }

    /** A verbose mempool of independent 250,000 vB (1,000,000 WU) transactions at the given sat/vB rates. */
    public static String mempool(int... satPerVbyte) {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < satPerVbyte.length; i++) {
            long fee = 250_000L * satPerVbyte[i];
            if (i > 0) {
                sb.append(',');
            }
            sb.append(String.format("\"%064x\":{\"vsize\":250000,\"weight\":1000000,\"time\":1755012301,\"height\":903411,"
                            + "\"descendantcount\":1,\"descendantsize\":250000,\"ancestorcount\":1,\"ancestorsize\":250000,"
                            + "\"wtxid\":\"%064x\",\"fees\":{\"base\":%s,\"modified\":%s,\"ancestor\":%s,\"descendant\":%s},"
                            + "\"depends\":[],\"spentby\":[],\"bip125-replaceable\":true,\"unbroadcast\":false}",
                    i + 1, i + 1, btc(fee), btc(fee), btc(fee), btc(fee)));
        }
        return sb.append('}').toString();
    }

    private static String btc(long sats) {
        return new java.math.BigDecimal(sats).movePointLeft(8).setScale(8).toPlainString();
    }

    /** Moves the tip (no notification). */
    public void tip(long h) {
        height = h;
        bestHash = hash(h);
    }

    /** Replaces the mempool, and its {@code getmempoolinfo} summary so drivers see a change. */
    public void mempool(String verboseJson) {
        mempool = verboseJson;
        mempoolInfo = "{\"loaded\":true,\"size\":" + verboseJson.length() + ",\"bytes\":" + verboseJson.hashCode()
                + ",\"total_fee\":0.1,\"mempoolminfee\":0.00001000}";
    }

    /** Makes {@code getrawmempool} fail with an RPC error (drivers fall back to {@code estimatesmartfee}). */
    public void rawMempoolFails(boolean fails) {
        rawMempoolFails = fails;
    }

    /** Sets the {@code estimatesmartfee} result object. */
    public void smartFee(String json) {
        smartFee = json;
    }

    /** Answer errors like Core 28's JSON-RPC 2.0 replies: HTTP 200 with only an {@code error} object. */
    public void jsonRpc2(boolean on) {
        jsonRpc2 = on;
    }

    /** How every call is answered. */
    public void mode(Mode m) {
        mode = m;
    }

    /** The next {@code n} calls get an HTTP 200 whose body is not JSON-RPC. */
    public void garbage(int n) {
        garbage.set(n);
    }

    /** How often {@code method} was called successfully. */
    public int calls(String method) {
        AtomicInteger n = calls.get(method);
        return n == null ? 0 : n.get();
    }

    /** Publishes {@code hashblock} for the current tip. */
    public void publishHashblock() {
        publish("hashblock", HexFormat.of().parseHex(bestHash));
    }

    /** Publishes a {@code sequence} message with {@code label} ('A', 'R' with a mempool sequence; 'C', 'D' without). */
    public void publishSequence(char label) {
        boolean tx = label == 'A' || label == 'R';
        byte[] body = new byte[tx ? 41 : 33];
        byte[] h = HexFormat.of().parseHex(bestHash);
        System.arraycopy(h, 0, body, 0, 32);
        body[32] = (byte) label;
        publish("sequence", body);
    }

    /** Sends a message with the given raw frames (malformed-data tests). */
    public synchronized void publishRaw(byte[]... frames) {
        for (int i = 0; i < frames.length; i++) {
            pub.send(frames[i], i < frames.length - 1 ? ZMQ.SNDMORE : 0);
        }
    }

    /** Skips {@code n} counter values of {@code topic}, as if messages were lost. */
    public void loseMessages(String topic, int n) {
        counters.merge(topic, (long) n, Long::sum);
    }

    /** Counters back to 0, as after a bitcoind restart. */
    public void restartCounters() {
        counters.clear();
    }

    private synchronized void publish(String topic, byte[] body) {
        long seq = counters.getOrDefault(topic, 0L);
        counters.put(topic, seq + 1);
        byte[] counter = {(byte) seq, (byte) (seq >> 8), (byte) (seq >> 16), (byte) (seq >> 24)};
        pub.sendMore(topic.getBytes(StandardCharsets.US_ASCII));
        pub.sendMore(body);
        pub.send(counter);
    }

    /** Stops the RPC server (connections refused) until {@link #restart}. */
    public void stop() {
        if (http != null) {
            http.shutdownNow();
            http = null;
        }
    }

    /** Restarts RPC on the same port. */
    public void restart() throws IOException {
        startRpc(port);
    }

    @Override
    public void close() {
        stop();
        if (zmq != null) {
            zmq.close();
            zmq = null;
        }
    }

    private final class Rpc extends HttpHandler {
        @Override
        public void service(Request req, Response res) throws Exception {
            if (!"POST".equals(req.getMethod().getMethodString())) {
                send(res, 405, "text/html", "JSONRPC server handles only POST requests");
                return;
            }
            String auth = req.getHeader("Authorization");
            String expected = "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASS).getBytes(StandardCharsets.UTF_8));
            if (!expected.equals(auth)) {
                res.setHeader("WWW-Authenticate", "Basic realm=\"jsonrpc\"");
                res.setStatus(401);
                res.setContentLength(0);
                return;
            }
            if (mode == Mode.BUSY) {
                send(res, 503, "text/plain", "Work queue depth exceeded");
                return;
            }
            String body = new String(req.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (garbage.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                send(res, 200, "text/html", "<html><body>not bitcoind</body></html>");
                return;
            }
            JsonObject call = JsonParser.parseString(body).getAsJsonObject();
            String method = call.get("method").getAsString();
            String id = call.get("id").toString();
            methods.add(method);
            if (mode == Mode.WARMING_UP) {
                error(res, 500, -28, "Loading block index\u2026", id);
                return;
            }
            String result;
            switch (method) {
                case "getblockcount" -> result = Long.toString(height);
                case "getbestblockhash" -> result = "\"" + bestHash + "\"";
                case "getmempoolinfo" -> result = mempoolInfo;
                case "getrawmempool" -> {
                    if (rawMempoolFails) {
                        error(res, 500, -32603, "Internal error", id);
                        return;
                    }
                    result = mempool;
                }
                case "estimatesmartfee" -> result = smartFee;
                default -> {
                    error(res, 404, -32601, "Method not found", id);
                    return;
                }
            }
            calls.computeIfAbsent(method, k -> new AtomicInteger()).incrementAndGet();
            send(res, 200, "application/json", "{\"result\":" + result + ",\"error\":null,\"id\":" + id + "}\n");
        }

        private void error(Response res, int status, int code, String message, String id) throws IOException {
            if (jsonRpc2) {
                send(res, 200, "application/json", "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":" + code + ",\"message\":\""
                        + message + "\"},\"id\":" + id + "}\n");
                return;
            }
            send(res, status, "application/json", "{\"result\":null,\"error\":{\"code\":" + code + ",\"message\":\""
                    + message + "\"},\"id\":" + id + "}\n");
        }

        private void send(Response res, int status, String type, String body) throws IOException {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            res.setStatus(status);
            res.setContentType(type);
            res.setContentLength(b.length);
            res.getOutputStream().write(b);
        }
    }
}
