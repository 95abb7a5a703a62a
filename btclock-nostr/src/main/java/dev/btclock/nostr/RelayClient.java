package dev.btclock.nostr;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * One relay connection that publishes events and answers NIP-42 exactly as docs/nostr.md §6 says: the
 * latest {@code AUTH} challenge is remembered, but AUTH is sent only when a publish is answered
 * {@code auth-required:}; then a kind-22242 event (tags {@code relay}, {@code challenge}) signed with
 * the same key, and, once accepted, the identical event once more. A refused, failed or timed-out
 * AUTH, a second {@code auth-required:} and {@code restricted:} are rejections; a missing OK or a
 * dropped connection is a failure; neither is ever success. {@code duplicate:} is delivery;
 * {@code rate-limited:} asks the caller to back off.
 *
 * <p>The connection is kept alive with a WebSocket ping every {@code pingInterval}; a relay that
 * sends nothing (not even the pong) for an interval after a ping is dropped, so a dead TCP path
 * is noticed within two intervals.
 * One connection per instance: after {@link #connected()} turns false, make a new one
 * ({@link RelayPool} does that with backoff).
 */
public final class RelayClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RelayClient.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern MACHINE_PREFIX = Pattern.compile("^[a-z][a-z-]{0,23}:.*", Pattern.DOTALL);

    /** How a publish ended on this relay. */
    public enum Outcome {
        /** Accepted ({@code true}, or {@code duplicate:}). */
        DELIVERED,
        /** {@code rate-limited:}: send the same event again later. */
        RATE_LIMITED,
        /** The relay refused it, or refused us (AUTH); final for this event. */
        REJECTED,
        /** No OK within the timeout, a dropped or missing connection: the same event may be re-sent. */
        FAILED,
        /** ({@link RelayPool}) not re-sent because a newer event for the same address was published. */
        SUPERSEDED
    }

    /**
     * A publish result.
     *
     * @param relay   the relay URL
     * @param outcome how it ended
     * @param code    a short, bounded reason code for metrics: {@code ok}, {@code duplicate}, the relay's
     *                machine-readable prefix ({@code rate-limited}, {@code restricted}, {@code invalid},
     *                {@code auth-required}, ...), {@code rejected} for a reason without prefix,
     *                {@code auth-refused}, {@code auth-failed}, {@code timeout}, {@code disconnected},
     *                {@code not-connected} or {@code superseded}
     * @param reason  the relay's message, or ours
     */
    public record Result(String relay, Outcome outcome, String code, String reason) {
        /** Whether sending the identical event again may succeed. */
        public boolean retryable() {
            return outcome == Outcome.RATE_LIMITED || outcome == Outcome.FAILED;
        }
    }

    private final URI url;
    private final NostrKeys keys;
    private final Clock clock;
    private final Duration okTimeout;
    private final Duration pingInterval;
    private final RelayStats stats;
    private final ScheduledExecutorService timer;
    private final boolean ownTimer;
    private final Map<String, CompletableFuture<JsonArray>> pendingOks = new ConcurrentHashMap<>();
    private volatile CompletableFuture<String> challenge = new CompletableFuture<>();
    private CompletableFuture<String> auth;
    private volatile WebSocket socket;
    private volatile boolean closed;
    private volatile long lastHeardNanos;
    private volatile long pingSentNanos;
    private volatile ScheduledFuture<?> pinger;
    private volatile HttpClient http;

    /** A client for {@code url} signing AUTH with {@code keys}; pings every 30 s; its own timer thread. */
    public RelayClient(URI url, NostrKeys keys, Clock clock, Duration okTimeout) {
        this(url, keys, clock, okTimeout, Duration.ofSeconds(30), new RelayStats(), null);
    }

    /**
     * A client for {@code url}.
     *
     * @param okTimeout    bound on every OK (and the connect)
     * @param pingInterval how often a ping is sent; silence for an interval after one drops the connection
     * @param stats        where AUTH attempts and failures are counted
     * @param timer        a shared timer, or null for one of its own (stopped by {@link #close()})
     */
    public RelayClient(URI url, NostrKeys keys, Clock clock, Duration okTimeout, Duration pingInterval, RelayStats stats,
                       ScheduledExecutorService timer) {
        this.url = url;
        this.keys = keys;
        this.clock = clock;
        this.okTimeout = okTimeout;
        this.pingInterval = pingInterval;
        this.stats = stats;
        this.ownTimer = timer == null;
        this.timer = timer != null ? timer : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(() -> {
                // Log events of this thread name the relay (a field of LOG_FORMAT=json).
                org.slf4j.MDC.put("relay", url.toString());
                r.run();
            }, "btclock-relay-" + url.getHost());
            t.setDaemon(true);
            return t;
        });
    }

    /** Connects (once; the caller makes a new client when {@link #connected()} turns false). */
    public CompletableFuture<Void> connect() {
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(okTimeout).build();
        return http.newWebSocketBuilder().connectTimeout(okTimeout).buildAsync(url, new Listener())
                .thenAccept(ws -> {
                    socket = ws;
                    lastHeardNanos = System.nanoTime();
                    long every = pingInterval.toMillis();
                    pinger = timer.scheduleAtFixedRate(this::ping, every, every, TimeUnit.MILLISECONDS);
                    LOG.info("nostr: connected to {}", url);
                });
    }

    /** Whether the connection is open. */
    public boolean connected() {
        WebSocket ws = socket;
        return ws != null && !ws.isOutputClosed() && !ws.isInputClosed();
    }

    /** Publishes {@code event}; the future never fails, it completes with the outcome. */
    public CompletableFuture<Result> publish(NostrEvent event) {
        return send(event).thenCompose(ok -> {
            Result first = classify(ok);
            if (first.outcome() != Outcome.REJECTED || !first.code().equals("auth-required")) {
                return CompletableFuture.completedFuture(first);
            }
            return authenticateOnce().thenCompose(authError -> authError != null
                    ? CompletableFuture.completedFuture(result(Outcome.REJECTED, authError.startsWith("AUTH refused") ? "auth-refused"
                            : "auth-failed", authError))
                    // the identical event once more; a second auth-required: is a rejection
                    : send(event).thenApply(this::classify));
        }).exceptionally(this::failure);
    }

    private Result classify(JsonArray ok) {
        String reason = ok.size() > 3 ? ok.get(3).getAsString() : "";
        String prefix = MACHINE_PREFIX.matcher(reason).matches() ? reason.substring(0, reason.indexOf(':')) : "rejected";
        if (ok.get(2).getAsBoolean()) {
            return result(Outcome.DELIVERED, "ok", reason);
        }
        return switch (prefix) {
            case "duplicate" -> result(Outcome.DELIVERED, prefix, reason);
            case "rate-limited" -> result(Outcome.RATE_LIMITED, prefix, reason);
            default -> result(Outcome.REJECTED, prefix, reason);
        };
    }

    private Result failure(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && (t instanceof CompletionException || t instanceof ExecutionException)) {
            t = t.getCause();
        }
        String code = t instanceof Timeout ? "timeout" : t instanceof Dropped ? "disconnected" : t instanceof NotConnected
                ? "not-connected" : "disconnected";
        return result(Outcome.FAILED, code, t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
    }

    private Result result(Outcome outcome, String code, String reason) {
        return new Result(url.toString(), outcome, code, reason);
    }

    /**
     * One AUTH per connection, shared by every publish that needs it at the same time; after a
     * failure the next publish that needs it tries again (the relay may have sent a new challenge).
     */
    private synchronized CompletableFuture<String> authenticateOnce() {
        CompletableFuture<String> a = auth;
        if (a == null || a.isDone() && a.getNow(null) != null) {
            a = authenticate();
            auth = a;
        }
        return a;
    }

    /** Signs and sends AUTH for the stored (or soon arriving) challenge; null when accepted, else why not. */
    private CompletableFuture<String> authenticate() {
        return challenge.orTimeout(okTimeout.toMillis(), TimeUnit.MILLISECONDS).thenCompose(ch -> {
            byte[] aux = new byte[32];
            RANDOM.nextBytes(aux);
            NostrEvent authEvent = NostrEvent.sign(keys, clock.instant().getEpochSecond(), 22242,
                    List.of(List.of("relay", url.toString()), List.of("challenge", ch)), "", aux);
            stats.authAttempted();
            return request(authEvent.id(), "[\"AUTH\"," + authEvent.toJson() + "]").thenApply(ok -> ok.get(2).getAsBoolean() ? null
                    : "AUTH refused: " + (ok.size() > 3 ? ok.get(3).getAsString() : ""));
        }).exceptionally(e -> "AUTH failed: " + failure(e).reason()).thenApply(error -> {
            if (error == null) {
                LOG.info("nostr: authenticated to {} (NIP-42)", url);
            } else {
                stats.authFailed();
                LOG.warn("nostr: {}: {}", url, error);
            }
            return error;
        });
    }

    private CompletableFuture<JsonArray> send(NostrEvent event) {
        return request(event.id(), "[\"EVENT\"," + event.toJson() + "]");
    }

    private CompletableFuture<JsonArray> request(String id, String frame) {
        WebSocket ws = socket;
        if (ws == null || !connected()) {
            return CompletableFuture.failedFuture(new NotConnected());
        }
        CompletableFuture<JsonArray> ok = new CompletableFuture<>();
        pendingOks.put(id, ok);
        ok.whenComplete((r, e) -> pendingOks.remove(id, ok));
        ScheduledFuture<?> deadline = timer.schedule(() -> ok.completeExceptionally(new Timeout(okTimeout)),
                okTimeout.toMillis(), TimeUnit.MILLISECONDS);
        ok.whenComplete((r, e) -> deadline.cancel(false));
        synchronized (this) {
            // the JDK WebSocket allows one outstanding text send
            ws.sendText(frame, true).exceptionally(e -> {
                ok.completeExceptionally(new Dropped(e.toString()));
                return null;
            }).join();
        }
        return ok;
    }

    /** Sends a ping, or drops the connection when nothing at all arrived for an interval after the last one. */
    private void ping() {
        WebSocket ws = socket;
        if (ws == null) {
            return;
        }
        long now = System.nanoTime();
        long sent = pingSentNanos;
        if (sent != 0 && lastHeardNanos - sent < 0 && now - sent >= pingInterval.toNanos()) {
            ws.abort();
            dropped("no pong or frame for " + (now - sent) / 1_000_000 + " ms after a ping");
            return;
        }
        pingSentNanos = now;
        ws.sendPing(ByteBuffer.allocate(0));
    }

    private void onFrame(String text) {
        JsonArray a;
        try {
            JsonElement e = JsonParser.parseString(text);
            if (!e.isJsonArray() || e.getAsJsonArray().isEmpty()) {
                return;
            }
            a = e.getAsJsonArray();
            switch (a.get(0).getAsString()) {
                case "OK" -> {
                    CompletableFuture<JsonArray> ok = a.size() >= 3 ? pendingOks.get(a.get(1).getAsString()) : null;
                    if (ok != null) {
                        ok.complete(a);
                    }
                }
                case "AUTH" -> {
                    if (a.size() >= 2) {
                        String ch = a.get(1).getAsString();
                        // The latest challenge wins; it is used only when a publish needs it.
                        if (!challenge.complete(ch)) {
                            challenge = CompletableFuture.completedFuture(ch);
                        }
                    }
                }
                case "NOTICE" -> LOG.debug("nostr: notice from {}: {}", url, a.size() > 1 ? a.get(1) : "");
                default -> {
                    // EVENT, EOSE, CLOSED: this client publishes only
                }
            }
        } catch (RuntimeException ex) {
            LOG.debug("nostr: unreadable frame from {}", url);
        }
    }

    private void dropped(String why) {
        WebSocket was = socket;
        socket = null;
        ScheduledFuture<?> p = pinger;
        if (p != null) {
            p.cancel(false);
        }
        Dropped e = new Dropped(why);
        pendingOks.values().forEach(f -> f.completeExceptionally(e));
        if (was != null && !closed) {
            LOG.warn("nostr: {} disconnected: {}", url, why);
        }
    }

    @Override
    public void close() {
        closed = true;
        WebSocket ws = socket;
        if (ws != null) {
            ws.abort();
        }
        dropped("closed");
        if (ownTimer) {
            timer.shutdownNow();
        }
        if (http instanceof AutoCloseable c) {
            // Java 21+ stops the client's threads now; on 17 they end once it is collected.
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("nostr: closing the HTTP client of {}: {}", url, e.toString());
            }
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            lastHeardNanos = System.nanoTime();
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                onFrame(text);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
            lastHeardNanos = System.nanoTime();
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket ws, ByteBuffer message) {
            lastHeardNanos = System.nanoTime();
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            dropped("closed by relay (" + statusCode + ")");
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            dropped(error.toString());
        }
    }

    private static final class Timeout extends Exception {
        Timeout(Duration after) {
            super("no OK within " + (after.toMillis() % 1000 == 0 ? after.toSeconds() + " s" : after.toMillis() + " ms"),
                    null, false, false);
        }
    }

    private static final class Dropped extends Exception {
        Dropped(String why) {
            super("connection closed before the OK (" + why + ")", null, false, false);
        }
    }

    private static final class NotConnected extends Exception {
        NotConnected() {
            super("not connected", null, false, false);
        }
    }
}
