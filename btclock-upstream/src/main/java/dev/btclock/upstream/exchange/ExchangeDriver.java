package dev.btclock.upstream.exchange;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.btclock.core.config.Secrets;
import dev.btclock.core.event.Event;
import dev.btclock.core.event.PriceUpdate;
import dev.btclock.core.retry.Backoff;
import dev.btclock.upstream.spi.DataKind;
import dev.btclock.upstream.spi.DriverHealth;
import dev.btclock.upstream.spi.DriverThreads;
import dev.btclock.upstream.spi.UpstreamDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A price driver on one exchange's public WebSocket feed (docs/upstreams.md §4.5). The base does the
 * connection and leaves the exchange's dialect to the subclass: which frames subscribe, how a frame
 * reads, which ping the exchange answers.
 *
 * <ul>
 *   <li>Connects with the JDK WebSocket client (HTTP/1.1), sends the subscriptions, and reconnects
 *       after every failure with capped, jittered backoff (the first delay 0.5 to 1 s, the ceiling
 *       doubling up to 60 s). The backoff starts over only after a connection that delivered prices
 *       and lasted at least 60 s by the driver's clock, so that a server which sends a price and
 *       then closes, or keeps announcing a restart, is not called again every second.</li>
 *   <li>Only the feed's own life counts as a sign of life: the ticker data and the heartbeats the
 *       exchange sends unprompted, which the dialect reports through {@code Link.price},
 *       {@code Link.alive()} or {@code Link.alive(currency)}. Answers to the driver's own pings,
 *       acknowledgements, status and info messages, skipped frames, and protocol Pings and Pongs
 *       show that the socket is open, not that the feed behind it works, and count for nothing. A
 *       connection without a sign of life for {@code pingAfter} gets the exchange's ping (which
 *       keeps proxies and the exchange's own idle timers content); one without a sign of life for
 *       {@code silence} is dropped and connected again.</li>
 *   <li>Every ticker value becomes a {@link PriceUpdate}. The last price of each currency is kept for
 *       the current connection, and every sign of life re-emits each price it covers (a channel's
 *       heartbeat covers its own currency only) once its last emission is 5 s old, with a fresh
 *       timestamp: a live but quiet market stays fresh downstream, a dead or silent feed goes stale.
 *       A price is reported unknown (a {@link PriceUpdate} of -1), so that a median of several
 *       sources stops counting it at once, when the connection ends and when the exchange refuses
 *       its pair during the connection.</li>
 *   <li>Frames over 64 KiB characters, non-JSON frames and known messages of the wrong shape are
 *       skipped. The first one of a connection is logged at warn with an escaped snippet of at most
 *       120 characters, later ones as one line a minute with their count. Text the exchange supplied
 *       reaches the log only escaped and cut, as those snippets are.</li>
 *   <li>A socket whose handshake completes after the driver gave up on it, or which is no longer
 *       the current connection, is aborted as soon as it shows up.</li>
 * </ul>
 *
 * <p>Threads: one scheduler thread for the connection loop and the silence check, and two for the
 * JDK HTTP client, which also delivers the frames; all started by {@link #start} and stopped by
 * {@link #close}. The accessors are thread-safe and never block.
 */
public abstract class ExchangeDriver implements UpstreamDriver {

    /** Text frames longer than this many characters are skipped unread. */
    static final int MAX_FRAME_CHARS = 64 * 1024;
    /** A kept price is emitted again, with a fresh timestamp, once its last emission is this old. */
    static final Duration REFRESH = Duration.ofSeconds(5);
    /** A connection that delivered prices and lasted this long starts the reconnect backoff over. */
    static final Duration STABLE = Duration.ofSeconds(60);
    private static final long SUMMARY_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final int SNIPPET_CHARS = 120;
    private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,15}(\\.[0-9]{1,18})?");
    private static final ByteBuffer PING_PAYLOAD = ByteBuffer.wrap("btclock".getBytes(StandardCharsets.US_ASCII));

    /** The subclass's logger, named after the concrete driver class. */
    final Logger log = LoggerFactory.getLogger(getClass());
    private final String name;
    private final URI uri;
    private final Map<String, String> pairs;
    private final Map<String, String> currencyOfPair = new ConcurrentHashMap<>();
    private final Duration pingAfter;
    private final Duration silence;
    private final Duration timeout;
    private final Clock clock;
    private final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60));
    private final AtomicLong chars = new AtomicLong();
    private final AtomicLong frames = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final Set<String> refusalsLogged = ConcurrentHashMap.newKeySet();

    private ScheduledExecutorService loop;
    private ExecutorService httpPool;
    private volatile HttpClient http;
    private volatile Consumer<Event> sink;
    private volatile Link link;
    private volatile int generation;
    private volatile int failedGeneration;
    private volatile boolean connected;
    private volatile boolean closed;
    private volatile Instant lastEvent;
    private volatile String detail = "not started";

    /** A driver called {@code name} reading {@code uri} (already complete) for {@code settings.pairs()}. */
    ExchangeDriver(String name, URI uri, ExchangeSettings settings, Clock clock) {
        this.name = Objects.requireNonNull(name, "name");
        this.uri = Objects.requireNonNull(uri, "uri");
        this.pairs = settings.pairs();
        this.pingAfter = settings.pingAfter();
        this.silence = settings.silence();
        this.timeout = settings.timeout();
        this.clock = Objects.requireNonNull(clock, "clock");
        pairs.forEach((currency, pair) -> currencyOfPair.put(pair, currency));
    }

    // ---- the exchange's dialect -------------------------------------------------------------

    /** The frames that subscribe to every pair, sent in order as soon as the connection is open. */
    abstract List<String> subscriptions();

    /**
     * Reads one well-formed JSON frame of the current connection, reporting through {@code link}:
     * prices, the exchange's own heartbeats ({@link Link#alive()}, {@link Link#alive(String)}),
     * refused pairs. A frame reported as neither a price nor a heartbeat is no sign of life. Unknown
     * messages are ignored; a known message of the wrong shape throws (any runtime exception skips
     * the frame; a {@link MalformedFrame}'s message is logged as it is).
     */
    abstract void read(JsonElement frame, Link link);

    /**
     * Sends the exchange's ping after {@code pingAfter} without a sign of life; a protocol Ping frame
     * unless overridden. Its answer is no sign of life.
     */
    void ping(Link link) {
        link.sendPing();
    }

    /** Forgets the per-connection state of the dialect; called before each connection is made. */
    void reset() {
    }

    // ---- UpstreamDriver --------------------------------------------------------------------

    @Override
    public final String name() {
        return name;
    }

    /** Prices only. */
    @Override
    public final Set<DataKind> kinds() {
        return EnumSet.of(DataKind.PRICE);
    }

    @Override
    public final synchronized void start(Consumer<Event> sink) {
        if (this.sink != null) {
            throw new IllegalStateException("already started");
        }
        this.sink = Objects.requireNonNull(sink, "sink");
        loop = Executors.newSingleThreadScheduledExecutor(DriverThreads.daemon("btclock-" + name, name));
        httpPool = Executors.newFixedThreadPool(2, DriverThreads.daemon("btclock-" + name + "-http", name));
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout)
                .executor(httpPool).build();
        detail = "connecting";
        log.info("{}: connecting to {} for {} (ping after {} s of quiet, reconnect after {} s)", name, shown(uri),
                pairs.values(), pingAfter.toMillis() / 1000.0, silence.toSeconds());
        loop.execute(this::connect);
        long check = Math.max(100, Math.min(1000, silence.toMillis() / 10));
        loop.scheduleWithFixedDelay(this::checkSilence, check, check, TimeUnit.MILLISECONDS);
    }

    /** Connected or why not; the last-event time is that of the feed's last sign of life. */
    @Override
    public final DriverHealth health() {
        Link l = link;
        if (connected && l != null) {
            return new DriverHealth(true, lastEvent, "connected, " + l.quotes.size() + " pairs");
        }
        return new DriverHealth(false, lastEvent, detail);
    }

    @Override
    public final void close() {
        ScheduledExecutorService l;
        ExecutorService h;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            connected = false;
            detail = "closed";
            l = loop;
            h = httpPool;
        }
        Link current = link;
        link = null;
        if (current != null) {
            current.abort();
        }
        if (l != null) {
            DriverThreads.stop(l, h);
        }
        HttpClient client;
        synchronized (this) {
            client = http;
            // Unreachable now: on Java 17 the selector thread ends once the client is collected.
            http = null;
        }
        String failure = DriverThreads.close(client);
        if (failure != null) {
            log.debug("{}: closing the HTTP client: {}", name, failure);
        }
    }

    // ---- accessors -------------------------------------------------------------------------

    /** Currency code to the exchange's pair name used for it (e.g. {@code USD → BTC/USD}), in the configured order. */
    public final Map<String, String> pairs() {
        return pairs;
    }

    /** The configured currency whose pair the exchange calls {@code pair}, or null. */
    final String currencyOf(String pair) {
        return currencyOfPair.get(pair);
    }

    /** The currencies priced on the current connection so far, in the configured order; empty while disconnected. */
    public final Set<String> currencies() {
        Link l = link;
        if (!connected || l == null) {
            return Set.of();
        }
        Set<String> seen = new LinkedHashSet<>();
        for (String c : pairs.keySet()) {
            if (l.quotes.containsKey(c)) {
                seen.add(c);
            }
        }
        return Collections.unmodifiableSet(seen);
    }

    /** Characters of every frame received since start (text, and binary and control payload bytes), for bandwidth. */
    public final long bytesReceived() {
        return chars.get();
    }

    /** Frames received since start, of every kind. */
    public final long framesReceived() {
        return frames.get();
    }

    /** Frames skipped since start: oversized, not JSON, or of the wrong shape. */
    public final long framesSkipped() {
        return skipped.get();
    }

    /** Messages the exchange numbered but never delivered, where its protocol tells (Coinbase's {@code sequence_num}); 0 elsewhere. */
    public long sequenceGaps() {
        return 0;
    }

    // ---- connection loop -------------------------------------------------------------------

    private void connect() {
        if (closed) {
            return;
        }
        int gen = ++generation;
        reset();
        Link l = new Link(gen);
        link = l;
        HttpClient client = http;
        if (client == null) {
            return;
        }
        CompletableFuture<WebSocket> opening = null;
        try {
            opening = client.newWebSocketBuilder()
                    .connectTimeout(timeout)
                    .buildAsync(uri, new Listener(l));
            WebSocket ws = opening.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            l.open(ws);
            if (closed) {
                l.abort();
                return;
            }
            l.openedAt = clock.instant();
            l.lastLifeNanos = System.nanoTime();
            connected = true;
            log.info("{}: connected to {}", name, shown(uri));
            for (String s : subscriptions()) {
                l.send(s);
            }
        } catch (InterruptedException e) {
            l.abandon(opening);
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            l.abandon(opening);
            fail(gen, "cannot connect: " + rootCause(e));
        }
    }

    private void checkSilence() {
        Link l = link;
        if (!connected || l == null || l.gen != generation) {
            return;
        }
        long now = System.nanoTime();
        long quiet = now - l.lastLifeNanos;
        if (quiet > silence.toNanos()) {
            fail(l.gen, "silent for " + silence.toSeconds() + " s");
        } else if (quiet > pingAfter.toNanos() && now - l.lastPingNanos > pingAfter.toNanos()) {
            l.lastPingNanos = now;
            try {
                ping(l);
            } catch (RuntimeException e) {
                log.debug("{}: ping failed: {}", name, e.toString());
            }
        }
    }

    /** Drops connection {@code gen} (if it is still the current one) and schedules a reconnect. */
    private void fail(int gen, String reason) {
        if (closed) {
            return;
        }
        try {
            loop.execute(() -> {
                if (closed || gen != generation || gen == failedGeneration) {
                    return;
                }
                failedGeneration = gen;
                Link l = link;
                Instant now = clock.instant();
                // Only a connection that proved itself starts the backoff over: one that sent a price and
                // then closed at once, again and again, would otherwise be called about once a second.
                if (l != null && l.delivered && !now.isBefore(l.openedAt.plus(STABLE))) {
                    backoff.reset();
                }
                Duration delay = backoff.next();
                // The reason first: health() never shows a lost connection without it.
                detail = "reconnecting in " + delay.toMillis() + " ms: " + reason;
                connected = false;
                link = null;
                if (l != null) {
                    Set<String> known = Set.copyOf(l.quotes.keySet());
                    l.abort();
                    // Unknown from now on (a price of -1, as PriceUpdate defines it): a median drops them at once.
                    for (String currency : pairs.keySet()) {
                        if (known.contains(currency)) {
                            emit(new PriceUpdate(currency, -1, now, name));
                        }
                    }
                    l.flushSkipSummary();
                }
                try (org.slf4j.MDC.MDCCloseable r = org.slf4j.MDC.putCloseable("reason", reason)) {
                    log.warn("{}: {}; reconnecting in {} ms", name, reason, delay.toMillis());
                }
                loop.schedule(this::connect, delay.toMillis(), TimeUnit.MILLISECONDS);
            });
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    /** Reads one text frame of the current connection; only what the dialect reports as a sign of life counts. */
    private void onFrame(Link l, String text) {
        JsonElement frame;
        try {
            frame = parse(text);
        } catch (MalformedFrame e) {
            l.skip(e.getMessage(), text);
            return;
        }
        try {
            read(frame, l);
        } catch (RuntimeException e) {
            l.skip(e instanceof MalformedFrame ? e.getMessage() : "wrong shape (" + e.getClass().getSimpleName() + ")", text);
        }
    }

    private void emit(PriceUpdate update) {
        try {
            sink.accept(update);
        } catch (RuntimeException ex) {
            log.error("{}: event sink failed on {}", name, update, ex);
        }
    }

    /**
     * One connection: its socket, its prices, its rate-limited warnings. Reported to by the dialect,
     * on the thread that delivers the connection's frames, one frame at a time.
     */
    final class Link {
        final int gen;
        final Map<String, Quote> quotes = new ConcurrentHashMap<>();
        final Set<String> refused = ConcurrentHashMap.newKeySet();
        private volatile WebSocket ws;
        private CompletableFuture<WebSocket> sends;
        /** When the connection opened, by the driver's clock; null until then. */
        volatile Instant openedAt;
        /** When the feed last showed a sign of life ({@link System#nanoTime}); the silence is measured from it. */
        volatile long lastLifeNanos = System.nanoTime();
        volatile long lastPingNanos;
        volatile boolean delivered;
        private volatile boolean abandoned;
        private boolean strangerRefusalWarned;
        private int skippedHere;
        private long skippedSinceSummary;
        private long lastSummaryNanos;
        private String lastSkipReason;

        Link(int gen) {
            this.gen = gen;
        }

        synchronized void open(WebSocket socket) {
            if (ws == null) {
                ws = socket;
                sends = CompletableFuture.completedFuture(socket);
            }
        }

        /** Whether this is still the connection the driver reads: not given up, not failed, not closed. */
        private boolean current() {
            return !abandoned && gen == generation && gen != failedGeneration && !closed;
        }

        /**
         * {@code connect()} stopped waiting for the handshake: this connection is not current any more,
         * and a socket that {@code opening} still delivers is aborted at once.
         */
        void abandon(CompletableFuture<WebSocket> opening) {
            abandoned = true;
            if (opening != null) {
                opening.whenComplete((w, e) -> {
                    if (w != null && !current()) {
                        w.abort();
                    }
                });
            }
        }

        /**
         * A ticker value for the pair called {@code pair}; other pairs are ignored (and are no sign of
         * life). As {@link #price}.
         */
        void pairPrice(String pair, double price) {
            String currency = currencyOfPair.get(pair);
            if (currency == null) {
                log.debug("{}: ignored a price for {}, not subscribed", name, snippet(pair));
                return;
            }
            price(currency, price);
        }

        /**
         * A ticker value for {@code currency}: emitted, kept, and a sign of life of the whole connection
         * (as {@link #alive()}). A value that is not a finite number above 0 throws {@link MalformedFrame};
         * a currency refused on this connection is ignored.
         */
        void price(String currency, double price) {
            if (!(price > 0) || Double.isInfinite(price)) {
                throw new MalformedFrame("price of " + pairs.get(currency) + " is not above 0: " + price);
            }
            if (!current() || refused.contains(currency)) {
                return;
            }
            Instant now = clock.instant();
            quotes.put(currency, new Quote(price, now));
            delivered = true;
            emit(new PriceUpdate(currency, price, now, name));
            alive();
        }

        /**
         * A heartbeat the exchange sent by itself for the whole connection: the silence starts over and
         * every kept price last emitted {@link #REFRESH} ago or earlier is emitted again with a fresh
         * timestamp. Never for an answer to the driver's own ping.
         */
        void alive() {
            if (lived()) {
                Instant now = clock.instant();
                for (String currency : pairs.keySet()) {
                    refresh(currency, now);
                }
            }
        }

        /**
         * A heartbeat the exchange sent by itself for the channel of {@code currency} only: the
         * connection's silence starts over, and that currency's price alone is refreshed as by
         * {@link #alive()}.
         */
        void alive(String currency) {
            if (lived()) {
                refresh(currency, clock.instant());
            }
        }

        private boolean lived() {
            if (!current()) {
                return false;
            }
            lastLifeNanos = System.nanoTime();
            lastEvent = clock.instant();
            return true;
        }

        private void refresh(String currency, Instant now) {
            Quote q = quotes.get(currency);
            if (q != null && !q.emitted().isAfter(now.minus(REFRESH))) {
                quotes.put(currency, new Quote(q.price(), now));
                emit(new PriceUpdate(currency, q.price(), now, name));
            }
        }

        /**
         * The exchange does not offer {@code pair}: no price of it on this connection, and one it had
         * is reported unknown at once; warned once per driver. A refusal of a pair the driver never
         * asked for is warned once per connection.
         */
        void refusedPair(String pair, String why) {
            String currency = currencyOfPair.get(pair);
            if (currency == null) {
                if (!strangerRefusalWarned) {
                    strangerRefusalWarned = true;
                    log.warn("{}: the exchange refused {}, which was not asked for: {}", name, snippet(pair), snippet(why));
                } else {
                    log.debug("{}: the exchange refused {}: {}", name, snippet(pair), snippet(why));
                }
                return;
            }
            refused.add(currency);
            if (quotes.remove(currency) != null && current()) {
                // Unknown from now on, as after a lost connection: a median drops it at once.
                emit(new PriceUpdate(currency, -1, clock.instant(), name));
            }
            if (refusalsLogged.add(currency)) {
                log.warn("{}: {} is not offered ({} refused: {}); no {} prices from this exchange", name, currency,
                        pair, snippet(why), currency);
            } else {
                log.debug("{}: {} refused again: {}", name, pair, snippet(why));
            }
        }

        /** Drops this connection and makes a new one, through the backoff, as the exchange asked. */
        void reconnect(String reason) {
            fail(gen, reason);
        }

        /** Sends {@code text}, after every earlier send of this connection has completed. */
        void send(String text) {
            chain(w -> w.sendText(text, true));
        }

        /** Sends a protocol Ping frame. */
        void sendPing() {
            chain(w -> w.sendPing(PING_PAYLOAD.duplicate()));
        }

        private synchronized void chain(Function<WebSocket, CompletableFuture<WebSocket>> op) {
            if (sends == null) {
                return;
            }
            sends = sends.thenCompose(op);
            sends.whenComplete((w, e) -> {
                if (e != null) {
                    fail(gen, "cannot send: " + rootCause(e));
                }
            });
        }

        void abort() {
            WebSocket w = ws;
            if (w != null) {
                w.abort();
            }
            quotes.clear();
        }

        /**
         * Counts a skipped frame; warns for the first of the connection, then once a minute with the count.
         * {@code reason} is logged as it is: exchange-supplied text in it must already be a {@link #snippet}.
         */
        synchronized void skip(String reason, String text) {
            skipped.incrementAndGet();
            long now = System.nanoTime();
            if (++skippedHere == 1) {
                lastSummaryNanos = now;
                if (text == null) {
                    log.warn("{}: skipped {}", name, reason);
                } else {
                    log.warn("{}: skipped a frame: {}: {}", name, reason, snippet(text));
                }
                return;
            }
            skippedSinceSummary++;
            lastSkipReason = reason;
            if (now - lastSummaryNanos >= SUMMARY_NANOS) {
                flushSkipSummary();
                lastSummaryNanos = now;
            }
        }

        synchronized void flushSkipSummary() {
            if (skippedSinceSummary > 0) {
                log.warn("{}: skipped {} more bad frames (latest: {})", name, skippedSinceSummary, lastSkipReason);
                skippedSinceSummary = 0;
            }
        }
    }

    /** A kept price and when it was last emitted. */
    record Quote(double price, Instant emitted) {
    }

    /** Receives the frames of one connection; a connection that is not current any more is aborted. */
    private final class Listener implements WebSocket.Listener {
        private final Link l;
        private final StringBuilder text = new StringBuilder();
        private long frameChars;

        Listener(Link l) {
            this.l = l;
        }

        @Override
        public void onOpen(WebSocket ws) {
            if (!l.current()) {
                // The driver gave up on this handshake, failed the connection or closed meanwhile.
                ws.abort();
                return;
            }
            l.open(ws);
            ws.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            chars.addAndGet(data.length());
            frameChars += data.length();
            if (frameChars <= MAX_FRAME_CHARS) {
                text.append(data);
            } else if (text.length() > 0) {
                text.setLength(0);
            }
            if (last) {
                frames.incrementAndGet();
                if (l.current()) {
                    if (frameChars > MAX_FRAME_CHARS) {
                        l.skip("a frame of " + frameChars + " characters (limit " + MAX_FRAME_CHARS + ")", null);
                    } else {
                        onFrame(l, text.toString());
                    }
                }
                text.setLength(0);
                if (text.capacity() > 4096) {
                    text.trimToSize();
                }
                frameChars = 0;
            }
            return next(ws);
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            chars.addAndGet(data.remaining());
            if (last) {
                frames.incrementAndGet();
                if (l.current()) {
                    l.skip("a binary frame", null);
                }
            }
            return next(ws);
        }

        @Override
        public CompletionStage<?> onPing(WebSocket ws, ByteBuffer message) {
            // The JDK client answers every Ping with a Pong by itself.
            chars.addAndGet(message.remaining());
            frames.incrementAndGet();
            return next(ws);
        }

        @Override
        public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
            chars.addAndGet(message.remaining());
            frames.incrementAndGet();
            return next(ws);
        }

        /** Asks for the next frame of the current connection; a connection that is not current is aborted. */
        private CompletionStage<?> next(WebSocket ws) {
            if (l.current()) {
                ws.request(1);
            } else {
                ws.abort();
            }
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            fail(l.gen, "closed by upstream (" + statusCode + (reason.isEmpty() ? "" : " " + snippet(reason)) + ")");
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            fail(l.gen, "connection error: " + rootCause(error));
        }
    }

    // ---- helpers for the dialects ----------------------------------------------------------

    /** Parses exactly one strict JSON value (no NaN, no comments, no unquoted strings, nothing after it). */
    static JsonElement parse(String text) {
        if (text.isBlank()) {
            throw new MalformedFrame("not JSON (empty)");
        }
        try {
            JsonReader reader = new JsonReader(new StringReader(text));
            reader.setStrictness(Strictness.STRICT);
            JsonElement value = JsonParser.parseReader(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new MalformedFrame("not JSON (text after the value)");
            }
            return value;
        } catch (JsonParseException | IOException | IllegalStateException e) {
            throw new MalformedFrame("not JSON");
        }
    }

    /**
     * A price the exchange sends as a decimal string ({@code "118231.57"}): digits with an optional
     * fraction only, so {@code NaN}, exponents, hex and signs are refused.
     */
    static double decimal(JsonElement e, String what) {
        if (e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            String s = e.getAsString();
            if (DECIMAL.matcher(s).matches()) {
                return Double.parseDouble(s);
            }
        }
        throw new MalformedFrame(what + " is not a decimal string: " + snippet(String.valueOf(e)));
    }

    /** A price the exchange sends as a JSON number. */
    static double number(JsonElement e, String what) {
        if (e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            return e.getAsDouble();
        }
        throw new MalformedFrame(what + " is not a number: " + snippet(String.valueOf(e)));
    }

    /**
     * {@code text} as a log line may show it: control, format (bidi) and line-separator characters
     * escaped as {@code \n} or {@code \}{@code uXXXX}, quoted, and cut to at most 120 characters.
     */
    static String snippet(String text) {
        if (text == null) {
            return "\"\"";
        }
        StringBuilder sb = new StringBuilder(SNIPPET_CHARS + 8);
        int i = 0;
        for (; i < text.length() && sb.length() <= SNIPPET_CHARS; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\\' -> sb.append("\\\\");
                case '"' -> sb.append("\\\"");
                default -> {
                    int type = Character.getType(c);
                    if (type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                            || type == Character.PARAGRAPH_SEPARATOR || type == Character.UNASSIGNED
                            || (type == Character.SURROGATE && !pairedSurrogate(text, i))) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        // Two quotes around it; a cut one ends with an ellipsis.
        if (i < text.length() || sb.length() > SNIPPET_CHARS - 2) {
            sb.setLength(SNIPPET_CHARS - 3);
            if (Character.isHighSurrogate(sb.charAt(sb.length() - 1))) {
                sb.setLength(sb.length() - 1);
            }
            sb.append('\u2026');
        }
        return "\"" + sb + "\"";
    }

    private static boolean pairedSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /** A URL as logs show it: a password in it masked. */
    private static String shown(Object url) {
        return Secrets.maskUserInfo(String.valueOf(url));
    }

    /** The silence window, for tests of the settings. */
    Duration silence() {
        return silence;
    }

    /** The ping delay, for tests of the settings. */
    Duration pingAfter() {
        return pingAfter;
    }

    /** The endpoint, for tests of the settings. */
    URI uri() {
        return uri;
    }

}
