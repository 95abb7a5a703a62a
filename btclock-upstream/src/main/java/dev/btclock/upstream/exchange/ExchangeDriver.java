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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
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
 *       after every failure with capped, jittered backoff from 1 s to 60 s; the backoff starts over
 *       after a connection that delivered prices.</li>
 *   <li>A feed that goes quiet for {@code pingAfter} gets the exchange's ping; one that stays quiet
 *       for {@code silence} is dropped and connected again. Only text frames count as a sign of life:
 *       a protocol Pong or Ping proves that the socket is open, not that the feed behind it works.</li>
 *   <li>Every ticker value becomes a {@link PriceUpdate}. The last price of each currency is kept for
 *       the current connection, and every well-formed frame, heartbeats included, re-emits each
 *       currency last emitted more than 5 s ago with a fresh timestamp: a live but quiet market stays
 *       fresh downstream, a dead or silent feed goes stale. The prices are forgotten with the
 *       connection, and each one is then reported unknown (a {@link PriceUpdate} of -1), so that a
 *       median of several sources stops counting them at once.</li>
 *   <li>Frames over 64 KiB characters, non-JSON frames and known messages of the wrong shape are
 *       skipped. The first one of a connection is logged at warn with an escaped snippet of at most
 *       120 characters, later ones as one line a minute with their count.</li>
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
     * Reads one well-formed JSON frame of the current connection, reporting through {@code link}.
     * Unknown messages are ignored; a known message of the wrong shape throws (any runtime exception
     * skips the frame).
     */
    abstract void read(JsonElement frame, Link link);

    /** Sends the exchange's ping after {@code pingAfter} of quiet; a protocol Ping frame unless overridden. */
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
        loop = Executors.newSingleThreadScheduledExecutor(daemon("btclock-" + name));
        httpPool = Executors.newFixedThreadPool(2, daemon("btclock-" + name + "-http"));
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout)
                .executor(httpPool).build();
        detail = "connecting";
        log.info("{}: connecting to {} for {} (ping after {} s of quiet, reconnect after {} s)", name, shown(uri),
                pairs.values(), pingAfter.toMillis() / 1000.0, silence.toSeconds());
        loop.execute(this::connect);
        long check = Math.max(100, Math.min(1000, silence.toMillis() / 10));
        loop.scheduleWithFixedDelay(this::checkSilence, check, check, TimeUnit.MILLISECONDS);
    }

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
            l.shutdownNow();
            try {
                l.awaitTermination(2, TimeUnit.SECONDS);
                // Graceful: the client's own completion tasks must still run, or its exchanges never end and
                // JDK 17's HttpClient selector thread (no close() before Java 21) stays alive for good.
                h.shutdown();
                if (!h.awaitTermination(2, TimeUnit.SECONDS)) {
                    h.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        HttpClient client;
        synchronized (this) {
            client = http;
            // Unreachable now: on Java 17 the selector thread ends once the client is collected.
            http = null;
        }
        if (client instanceof AutoCloseable c) {
            // Java 21+: HttpClient.close() stops its threads now.
            try {
                c.close();
            } catch (Exception e) {
                log.debug("{}: closing the HTTP client: {}", name, e.toString());
            }
        }
    }

    // ---- accessors -------------------------------------------------------------------------

    /** Currency code to the exchange's pair name used for it (e.g. {@code USD → BTC/USD}), in the configured order. */
    public final Map<String, String> pairs() {
        return pairs;
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
        try {
            HttpClient client = http;
            if (client == null) {
                return;
            }
            WebSocket ws = client.newWebSocketBuilder()
                    .connectTimeout(timeout)
                    .buildAsync(uri, new Listener(l))
                    .get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            l.open(ws);
            if (closed) {
                l.abort();
                return;
            }
            l.lastFrameNanos = System.nanoTime();
            connected = true;
            log.info("{}: connected to {}", name, shown(uri));
            for (String s : subscriptions()) {
                l.send(s);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            fail(gen, "cannot connect: " + rootCause(e));
        }
    }

    private void checkSilence() {
        Link l = link;
        if (!connected || l == null || l.gen != generation) {
            return;
        }
        long now = System.nanoTime();
        long quiet = now - l.lastFrameNanos;
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
                connected = false;
                Link l = link;
                link = null;
                if (l != null) {
                    Set<String> known = Set.copyOf(l.quotes.keySet());
                    l.abort();
                    // Unknown from now on (a price of -1, as PriceUpdate defines it): a median drops them at once.
                    Instant now = clock.instant();
                    for (String currency : pairs.keySet()) {
                        if (known.contains(currency)) {
                            emit(new PriceUpdate(currency, -1, now, name));
                        }
                    }
                    l.flushSkipSummary();
                    if (l.delivered) {
                        backoff.reset();
                    }
                }
                Duration delay = backoff.next();
                detail = "reconnecting in " + delay.toMillis() + " ms: " + reason;
                log.warn("{}: {}; reconnecting in {} ms", name, reason, delay.toMillis());
                loop.schedule(this::connect, delay.toMillis(), TimeUnit.MILLISECONDS);
            });
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    private void onFrame(Link l, String text) {
        l.lastFrameNanos = System.nanoTime();
        lastEvent = clock.instant();
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
            return;
        }
        l.refresh();
    }

    private void emit(PriceUpdate update) {
        try {
            sink.accept(update);
        } catch (RuntimeException ex) {
            log.error("{}: event sink failed on {}", name, update, ex);
        }
    }

    /** One connection: its socket, its prices, its rate-limited warnings. Reported to by the dialect. */
    final class Link {
        final int gen;
        final Map<String, Quote> quotes = new ConcurrentHashMap<>();
        final Set<String> refused = ConcurrentHashMap.newKeySet();
        private volatile WebSocket ws;
        private CompletableFuture<WebSocket> sends;
        volatile long lastFrameNanos = System.nanoTime();
        volatile long lastPingNanos;
        volatile boolean delivered;
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

        private boolean current() {
            return gen == generation && gen != failedGeneration && !closed;
        }

        /** A ticker value for the pair called {@code pair}; other pairs are ignored. */
        void pairPrice(String pair, double price) {
            String currency = currencyOfPair.get(pair);
            if (currency == null) {
                log.debug("{}: ignored a price for {}, not subscribed", name, pair);
                return;
            }
            price(currency, price);
        }

        /** A ticker value for {@code currency}; a value that is not a finite number above 0 throws {@link MalformedFrame}. */
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
        }

        /** The exchange does not offer {@code pair}: no price of it on this connection; warned once per driver. */
        void refusedPair(String pair, String why) {
            String currency = currencyOfPair.get(pair);
            if (currency == null) {
                log.warn("{}: the exchange refused {}: {}", name, shown(pair), snippet(why));
                return;
            }
            refused.add(currency);
            quotes.remove(currency);
            if (refusalsLogged.add(currency)) {
                log.warn("{}: {} is not offered ({} refused: {}); no {} prices from this exchange", name, currency,
                        pair, snippet(why), currency);
            } else {
                log.debug("{}: {} refused again: {}", name, pair, why);
            }
        }

        /** Drops this connection and makes a new one, as the exchange asked. */
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

        /** Emits again, with a fresh timestamp, each price last emitted {@link #REFRESH} ago or earlier. */
        void refresh() {
            if (quotes.isEmpty() || !current()) {
                return;
            }
            Instant now = clock.instant();
            Instant due = now.minus(REFRESH);
            for (Map.Entry<String, Quote> e : quotes.entrySet()) {
                Quote q = e.getValue();
                if (!q.emitted().isAfter(due)) {
                    e.setValue(new Quote(q.price(), now));
                    emit(new PriceUpdate(e.getKey(), q.price(), now, name));
                }
            }
        }

        /** Counts a skipped frame; warns for the first of the connection, then once a minute with the count. */
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
                log.warn("{}: skipped {} more bad frames (latest: {})", name, skippedSinceSummary,
                        snippet(lastSkipReason));
                skippedSinceSummary = 0;
            }
        }
    }

    /** A kept price and when it was last emitted. */
    record Quote(double price, Instant emitted) {
    }

    private final class Listener implements WebSocket.Listener {
        private final Link l;
        private final StringBuilder text = new StringBuilder();
        private long frameChars;

        Listener(Link l) {
            this.l = l;
        }

        @Override
        public void onOpen(WebSocket ws) {
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
                        l.lastFrameNanos = System.nanoTime();
                        lastEvent = clock.instant();
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
            ws.request(1);
            return null;
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
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket ws, ByteBuffer message) {
            // The JDK client answers every Ping with a Pong by itself.
            chars.addAndGet(message.remaining());
            frames.incrementAndGet();
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
            chars.addAndGet(message.remaining());
            frames.incrementAndGet();
            ws.request(1);
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

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
