package dev.btclock.tests;

import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpointConfig;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.filterchain.BaseFilter;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.filterchain.NextAction;
import org.glassfish.grizzly.http.server.HttpServer;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.tyrus.container.grizzly.server.WebSocketAddOn;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An exchange's public WebSocket feed on loopback (docs/upstreams.md §4), speaking the exchange's
 * own protocol through Tyrus; {@link FakeKraken}, {@link FakeCoinbase}, {@link FakeBitfinex} and
 * {@link FakeBinance} supply the dialect, this class the server and the test controls:
 *
 * <ul>
 *   <li>{@link #price} sets a currency's price and pushes a ticker update to every client subscribed
 *       to it; a new subscription gets the current prices as its snapshot.</li>
 *   <li>{@link #heartbeatEvery} sets the heartbeat cadence (the exchange's own by default; short in
 *       tests; {@link Duration#ZERO} turns heartbeats off).</li>
 *   <li>{@link #silent}: every connection open at that moment stays open but sends nothing at all
 *       any more, not even Pongs or close frames (they are dropped under Tyrus, at the transport);
 *       connections made later are served normally.</li>
 *   <li>{@link #stop} and {@link #restart} on the same port: an outage.</li>
 *   <li>{@link #sendRaw} and {@link #sendOversized}: hostile frames.</li>
 *   <li>A currency the exchange does not list is answered as the exchange answers an unknown pair.</li>
 *   <li>{@link #realistic} pushes ticker updates at roughly the exchange's real per-pair rates (each
 *       dialect documents its rates) with the exchange's real heartbeat cadence, for bandwidth
 *       measurements.</li>
 *   <li>{@link #received}, {@link #connects}, {@link #clients}, {@link #pongs}: what drivers did.</li>
 * </ul>
 *
 * <p>Everything the fake sends leaves from one thread, in order.
 */
public abstract class FakeExchange implements AutoCloseable {

    /** A connected client and what it subscribed to. */
    protected static final class Client {
        final Session session;
        /** Currency to the dialect's channel handle (symbol, product, chanId, stream name). */
        final Map<String, Object> subscriptions = new ConcurrentHashMap<>();
        long sequence;
        long lastSentNanos = System.nanoTime();
        boolean heartbeats;

        Client(Session session) {
            this.session = session;
        }
    }

    private final String path;
    private final Map<String, Double> prices = new ConcurrentHashMap<>();
    private final Set<String> listed;
    private final Duration realHeartbeat;
    private final Map<Session, Client> clients = new ConcurrentHashMap<>();
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final List<String> connects = new CopyOnWriteArrayList<>();
    private final List<String> pongs = new CopyOnWriteArrayList<>();
    private final Set<Connection<?>> handshaken = ConcurrentHashMap.newKeySet();
    private final Set<Connection<?>> muted = ConcurrentHashMap.newKeySet();
    private final List<ScheduledFuture<?>> realisticTasks = new ArrayList<>();
    /** The one thread every frame is sent from. */
    protected final ScheduledExecutorService sender;
    /** Randomness of the realistic mode, seeded: runs are repeatable. */
    protected final Random random = new Random(42);
    private volatile Thread senderThread;
    private ScheduledFuture<?> heartbeatTask;
    private volatile Duration heartbeat;
    private HttpServer http;
    private int port;

    /**
     * A fake serving WebSocket clients on {@code path}.
     *
     * @param listed        the currencies the exchange lists, with their starting prices
     * @param realHeartbeat the exchange's own heartbeat cadence
     */
    protected FakeExchange(String name, String path, Map<String, Double> listed, Duration realHeartbeat) {
        this.path = path;
        this.prices.putAll(listed);
        this.listed = Set.copyOf(listed.keySet());
        this.realHeartbeat = realHeartbeat;
        this.sender = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fake-" + name);
            t.setDaemon(true);
            senderThread = t;
            return t;
        });
        heartbeatEvery(realHeartbeat);
    }

    // ---- the dialect ------------------------------------------------------------------------

    /** A client connected (and its handshake is done): what the exchange sends first. */
    protected abstract void opened(Client c);

    /** A text frame from a client. */
    protected abstract void request(Client c, String text);

    /** The ticker frame announcing {@code price} for {@code currency} to {@code c} (a snapshot or an update). */
    protected abstract String ticker(Client c, String currency, double price, boolean snapshot);

    /** One tick of the heartbeat cadence for {@code c}. */
    protected abstract void heartbeat(Client c);

    /** Ticker updates per second of each currency in {@link #realistic} mode. */
    protected abstract Map<String, Double> realisticRates();

    /** The value for the driver's {@code <EXCHANGE>_URL} setting. */
    public abstract String url();

    // ---- lifecycle --------------------------------------------------------------------------

    /** Starts on {@code p} (0: a free port). */
    protected final void startOn(int p) throws IOException {
        http = new HttpServer();
        NetworkListener l = new NetworkListener("fake-exchange", "127.0.0.1", p);
        WsContainer container = new WsContainer(1 << 20);
        // Next to the transport, so it sees every byte written: the fake's "silent" switch.
        l.registerAddOn((listener, chain) -> chain.add(1, new Mute()));
        l.registerAddOn(new WebSocketAddOn(container, "/"));
        // An exchange does not cut a connection for being idle on its side.
        l.registerAddOn(WsContainer.withoutIdleTimeout());
        http.addListener(l);
        try {
            container.addEndpoint(ServerEndpointConfig.Builder.create(Socket.class, path)
                    .configurator(new ServerEndpointConfig.Configurator() {
                        @Override
                        public <T> T getEndpointInstance(Class<T> c) {
                            return c.cast(new Socket(FakeExchange.this));
                        }
                    }).build());
            http.start();
            port = l.getPort();
            container.start("/", port);
        } catch (jakarta.websocket.DeploymentException e) {
            throw new IOException(e);
        }
    }

    /** The port it listens on. */
    public final int port() {
        return port;
    }

    /** {@code ws://127.0.0.1:port}. */
    protected final String base() {
        return "ws://127.0.0.1:" + port;
    }

    /** Starts again on the same port after {@link #stop}. */
    public final void restart() throws IOException {
        startOn(port);
    }

    /** Stops serving: every client gets a close frame (1001, as a server going down) and the port closes. */
    public final void stop() {
        if (http != null) {
            for (Session s : clients.keySet()) {
                try {
                    s.close(new CloseReason(CloseReason.CloseCodes.GOING_AWAY, "stopping"));
                } catch (IOException | RuntimeException e) {
                    // already gone
                }
            }
            http.shutdownNow();
            http = null;
            clients.clear();
            handshaken.clear();
            muted.clear();
        }
    }

    @Override
    public final void close() {
        stop();
        sender.shutdownNow();
    }

    // ---- controls ---------------------------------------------------------------------------

    /** Sets {@code currency}'s price and pushes an update to every client subscribed to it. */
    public final void price(String currency, double value) {
        onSender(() -> push(currency, value));
    }

    private void push(String currency, double value) {
        prices.put(currency, value);
        for (Client c : clients.values()) {
            if (c.subscriptions.containsKey(currency)) {
                send(c, ticker(c, currency, value, false));
            }
        }
    }

    /** The current price of {@code currency}, as the snapshot of a new subscription carries it. */
    public final double priceOf(String currency) {
        return prices.get(currency);
    }

    /** Whether the exchange lists {@code currency}. */
    protected final boolean listed(String currency) {
        return listed.contains(currency);
    }

    /** Sends {@code frame} verbatim to every client. */
    public final void sendRaw(String frame) {
        onSender(() -> clients.values().forEach(c -> send(c, frame)));
    }

    /**
     * A well-formed ticker frame for {@code currency} at {@code price}, padded with JSON whitespace to
     * {@code chars} characters, to every client subscribed to it: a driver that reads it has no size limit.
     */
    public final void sendOversized(String currency, double price, int chars) {
        onSender(() -> {
            for (Client c : clients.values()) {
                if (c.subscriptions.containsKey(currency)) {
                    String t = ticker(c, currency, price, false);
                    int pad = Math.max(0, chars - t.length());
                    send(c, t.charAt(0) + " ".repeat(pad) + t.substring(1));
                }
            }
        });
    }

    /**
     * {@code true}: every connection open now stays open but sends nothing any more (heartbeats, answers,
     * Pongs and close frames included); {@code false}: they send again. New connections are never muted.
     */
    public final void silent(boolean on) {
        if (on) {
            muted.addAll(handshaken);
        } else {
            muted.clear();
        }
    }

    /** Heartbeats every {@code every} from now on; {@link Duration#ZERO} stops them. */
    public final synchronized void heartbeatEvery(Duration every) {
        heartbeat = every;
        if (heartbeatTask != null) {
            heartbeatTask.cancel(false);
            heartbeatTask = null;
        }
        if (!every.isZero()) {
            heartbeatTask = sender.scheduleAtFixedRate(() -> clients.values().forEach(this::heartbeatSafely),
                    every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** The heartbeat cadence in force. */
    protected final Duration heartbeat() {
        return heartbeat;
    }

    /**
     * {@code true}: ticker updates at the rates of {@link #realisticRates} (a random walk of about
     * 0.01 % a step) and the exchange's own heartbeat cadence; {@code false}: no more updates.
     */
    public final synchronized void realistic(boolean on) {
        realisticTasks.forEach(f -> f.cancel(false));
        realisticTasks.clear();
        if (!on) {
            return;
        }
        heartbeatEvery(realHeartbeat);
        realisticRates().forEach((currency, perSecond) -> {
            long period = Math.round(1000 / perSecond);
            realisticTasks.add(sender.scheduleAtFixedRate(() -> {
                double p = prices.get(currency);
                push(currency, Math.round(p * (1 + random.nextGaussian() * 0.0001) * 100) / 100.0);
            }, random.nextInt((int) period), period, TimeUnit.MILLISECONDS));
        });
    }

    /** Sends a protocol Ping with {@code payload} to every client; their Pongs show in {@link #pongs}. */
    public final void ping(String payload) {
        onSender(() -> {
            for (Client c : clients.values()) {
                try {
                    c.session.getAsyncRemote().sendPing(ByteBuffer.wrap(payload.getBytes(StandardCharsets.UTF_8)));
                } catch (IOException | RuntimeException e) {
                    // gone
                }
            }
        });
    }

    /** The payloads of the protocol Pongs clients sent, in order. */
    public final List<String> pongs() {
        return pongs;
    }

    /** Every text frame clients sent, in order. */
    public final List<String> received() {
        return received;
    }

    /** The request URI (path and query) of every WebSocket connection made, in order. */
    public final List<String> connects() {
        return connects;
    }

    /** How many clients are connected. */
    public final int clients() {
        return clients.size();
    }

    // ---- for the dialects -------------------------------------------------------------------

    /** Sends {@code text} to {@code c}; call on the sender thread. */
    protected final void send(Client c, String text) {
        c.lastSentNanos = System.nanoTime();
        try {
            c.session.getAsyncRemote().sendText(text);
        } catch (RuntimeException e) {
            // the client is gone
        }
    }

    /** Subscribes {@code c} to {@code currency} and sends the snapshot. */
    protected final void subscribe(Client c, String currency, Object channel) {
        c.subscriptions.put(currency, channel);
        send(c, ticker(c, currency, prices.get(currency), true));
    }

    /** Runs {@code task} on the sender thread and waits until it ran, so a test's next step follows it. */
    protected final void onSender(Runnable task) {
        if (Thread.currentThread() == senderThread) {
            task.run();
            return;
        }
        try {
            sender.submit(task).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The clients, for dialect controls. */
    protected final Iterable<Client> allClients() {
        return clients.values();
    }

    private void heartbeatSafely(Client c) {
        try {
            heartbeat(c);
        } catch (RuntimeException e) {
            // a client going away mid-tick
        }
    }

    /** Prices in the order given, for the dialects' listings. */
    protected static Map<String, Double> listing(Object... currencyPrice) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < currencyPrice.length; i += 2) {
            m.put((String) currencyPrice[i], ((Number) currencyPrice[i + 1]).doubleValue());
        }
        return m;
    }

    /** Drops what muted connections write, after their handshake. */
    private final class Mute extends BaseFilter {
        @Override
        public NextAction handleWrite(FilterChainContext ctx) throws IOException {
            Connection<?> c = ctx.getConnection();
            if (!handshaken.add(c) && muted.contains(c)) {
                ctx.setMessage(c.getMemoryManager().allocate(0));
            }
            return ctx.getInvokeAction();
        }

        @Override
        public NextAction handleClose(FilterChainContext ctx) throws IOException {
            handshaken.remove(ctx.getConnection());
            muted.remove(ctx.getConnection());
            return ctx.getInvokeAction();
        }
    }

    /** One WebSocket client of the fake. */
    public static final class Socket extends Endpoint {
        private final FakeExchange fake;

        Socket(FakeExchange fake) {
            this.fake = fake;
        }

        @Override
        public void onOpen(Session session, EndpointConfig config) {
            Client c = new Client(session);
            fake.clients.put(session, c);
            String query = session.getQueryString();
            fake.connects.add(session.getRequestURI().getPath() + (query == null || query.isEmpty() ? "" : "?" + query));
            session.addMessageHandler(String.class, (MessageHandler.Whole<String>) text -> {
                fake.received.add(text);
                fake.sender.execute(() -> fake.request(c, text));
            });
            session.addMessageHandler(PongMessage.class, (MessageHandler.Whole<PongMessage>) pong -> {
                ByteBuffer b = pong.getApplicationData();
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                fake.pongs.add(new String(bytes, StandardCharsets.UTF_8));
            });
            fake.sender.execute(() -> fake.opened(c));
        }

        @Override
        public void onClose(Session session, CloseReason reason) {
            fake.clients.remove(session);
        }
    }
}
