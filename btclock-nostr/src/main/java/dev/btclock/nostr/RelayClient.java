package dev.btclock.nostr;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One relay connection that publishes events and answers NIP-42 exactly as NOSTR.md §6 says: the
 * latest {@code AUTH} challenge is remembered, but AUTH is sent only when a publish is answered
 * {@code auth-required:}; then a kind-22242 event (tags {@code relay}, {@code challenge}) signed with
 * the same key, and, once accepted, the identical event once more. A refused, failed or timed-out
 * AUTH, a second {@code auth-required:}, {@code restricted:}, a missing OK or a dropped connection
 * are failures, never success; {@code duplicate:} is delivery; {@code rate-limited:} asks the caller
 * to back off.
 */
public final class RelayClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RelayClient.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** How a publish ended on this relay. */
    public enum Outcome { DELIVERED, RATE_LIMITED, FAILED }

    /** A publish result: the relay, the outcome and the relay's reason (or ours). */
    public record Result(String relay, Outcome outcome, String reason) {
    }

    private final URI url;
    private final NostrKeys keys;
    private final Clock clock;
    private final Duration okTimeout;
    private final ScheduledExecutorService timer;
    private final Map<String, CompletableFuture<JsonArray>> pendingOks = new ConcurrentHashMap<>();
    private volatile CompletableFuture<String> challenge = new CompletableFuture<>();
    private CompletableFuture<String> auth;
    private volatile WebSocket socket;
    private volatile boolean closed;
    private HttpClient http;

    /** A client for {@code url} signing AUTH with {@code keys}; {@code okTimeout} bounds every OK wait. */
    public RelayClient(URI url, NostrKeys keys, Clock clock, Duration okTimeout) {
        this.url = url;
        this.keys = keys;
        this.clock = clock;
        this.okTimeout = okTimeout;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "btclock-relay-" + url.getHost());
            t.setDaemon(true);
            return t;
        });
    }

    /** Connects (once; the caller reconnects with backoff when {@link #connected()} turns false). */
    public CompletableFuture<Void> connect() {
        challenge = new CompletableFuture<>();
        synchronized (this) {
            auth = null;
        }
        http = HttpClient.newBuilder().connectTimeout(okTimeout).build();
        return http.newWebSocketBuilder().connectTimeout(okTimeout).buildAsync(url, new Listener())
                .thenAccept(ws -> {
                    socket = ws;
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
            String reason = ok.size() > 3 ? ok.get(3).getAsString() : "";
            if (ok.get(2).getAsBoolean() || reason.startsWith("duplicate:")) {
                return done(Outcome.DELIVERED, reason);
            }
            if (reason.startsWith("auth-required:")) {
                return authenticateOnce().thenCompose(authError -> {
                    if (authError != null) {
                        return done(Outcome.FAILED, authError);
                    }
                    return send(event).thenCompose(again -> {
                        String r = again.size() > 3 ? again.get(3).getAsString() : "";
                        if (again.get(2).getAsBoolean() || r.startsWith("duplicate:")) {
                            return done(Outcome.DELIVERED, r);
                        }
                        return done(r.startsWith("rate-limited:") ? Outcome.RATE_LIMITED : Outcome.FAILED, r);
                    });
                });
            }
            return done(reason.startsWith("rate-limited:") ? Outcome.RATE_LIMITED : Outcome.FAILED, reason);
        }).exceptionally(e -> new Result(url.toString(), Outcome.FAILED, rootMessage(e)));
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
        return challenge.orTimeout(5, TimeUnit.SECONDS).thenCompose(ch -> {
            byte[] aux = new byte[32];
            RANDOM.nextBytes(aux);
            NostrEvent auth = NostrEvent.sign(keys, clock.instant().getEpochSecond(), 22242,
                    List.of(List.of("relay", url.toString()), List.of("challenge", ch)), "", aux);
            LOG.info("nostr: {} asks for authentication; sending AUTH", url);
            return request(auth.id(), "[\"AUTH\"," + auth.toJson() + "]").thenApply(ok -> ok.get(2).getAsBoolean() ? null
                    : "AUTH refused: " + (ok.size() > 3 ? ok.get(3).getAsString() : ""));
        }).exceptionally(e -> "AUTH failed: " + rootMessage(e));
    }

    private CompletableFuture<JsonArray> send(NostrEvent event) {
        return request(event.id(), "[\"EVENT\"," + event.toJson() + "]");
    }

    private CompletableFuture<JsonArray> request(String id, String frame) {
        WebSocket ws = socket;
        if (ws == null || !connected()) {
            return CompletableFuture.failedFuture(new IllegalStateException("not connected"));
        }
        CompletableFuture<JsonArray> ok = new CompletableFuture<>();
        pendingOks.put(id, ok);
        ok.whenComplete((r, e) -> pendingOks.remove(id, ok));
        timer.schedule(() -> ok.completeExceptionally(new IllegalStateException("no OK within " + okTimeout.toSeconds() + " s")),
                okTimeout.toMillis(), TimeUnit.MILLISECONDS);
        synchronized (this) {
            ws.sendText(frame, true).exceptionally(e -> {
                ok.completeExceptionally(e);
                return null;
            }).join();
        }
        return ok;
    }

    private CompletableFuture<Result> done(Outcome outcome, String reason) {
        return CompletableFuture.completedFuture(new Result(url.toString(), outcome, reason));
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && (t instanceof java.util.concurrent.CompletionException
                || t instanceof java.util.concurrent.ExecutionException)) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    private void onFrame(String text) {
        JsonArray a;
        try {
            JsonElement e = JsonParser.parseString(text);
            if (!e.isJsonArray() || e.getAsJsonArray().isEmpty()) {
                return;
            }
            a = e.getAsJsonArray();
        } catch (RuntimeException ex) {
            LOG.debug("nostr: unreadable frame from {}", url);
            return;
        }
        switch (a.get(0).getAsString()) {
            case "OK" -> {
                if (a.size() >= 3) {
                    CompletableFuture<JsonArray> ok = pendingOks.get(a.get(1).getAsString());
                    if (ok != null) {
                        ok.complete(a);
                    }
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
    }

    private void dropped(String why) {
        socket = null;
        IllegalStateException e = new IllegalStateException("connection closed before the OK (" + why + ")");
        pendingOks.values().forEach(f -> f.completeExceptionally(e));
        if (!closed) {
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
        timer.shutdownNow();
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
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
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            dropped("closed by relay (" + statusCode + ")");
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            dropped(error.toString());
        }
    }
}
