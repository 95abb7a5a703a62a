package dev.btclock.upstream.mempool;

import dev.btclock.core.config.Secrets;
import dev.btclock.core.event.Event;
import dev.btclock.core.retry.Backoff;
import dev.btclock.upstream.spi.DriverHealth;
import dev.btclock.upstream.spi.DriverThreads;
import dev.btclock.upstream.spi.UpstreamDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Reads a mempool instance (docs/upstreams.md §1): REST bootstrap of height, fee and prices, then the
 * WebSocket with {@code init} and {@code want ["blocks","mempool-blocks"]}; prices arrive as
 * {@code conversions}. After {@code pingAfter} of silence it sends {@code {"action":"ping"}} and
 * reconnects when nothing answers within {@code timeout}; every failure reconnects with capped,
 * jittered backoff (1 s up to 60 s).
 *
 * <p>Threads: one scheduler thread for the connection loop and a small pool for the JDK HTTP
 * client, all started by {@link #start} and stopped by {@link #close}.
 */
public final class MempoolWsDriver implements UpstreamDriver {

    private static final Logger LOG = LoggerFactory.getLogger(MempoolWsDriver.class);
    private static final int MAX_FRAME_CHARS = 8 * 1024 * 1024;
    private static final String INIT = "{\"action\":\"init\"}";
    private static final String WANT = "{\"action\":\"want\",\"data\":[\"blocks\",\"mempool-blocks\"]}";
    private static final String PING = "{\"action\":\"ping\"}";

    private final MempoolInstance instance;
    private final Duration pingAfter;
    private final Duration timeout;
    private final Clock clock;
    private final MempoolMessages messages = new MempoolMessages(MempoolWsDriverProvider.NAME);
    private final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60));

    private ScheduledExecutorService loop;
    private ExecutorService httpPool;
    private volatile HttpClient http;
    private volatile Consumer<Event> sink;
    private volatile WebSocket webSocket;
    private volatile int generation;
    private int failedGeneration;
    private volatile boolean connected;
    private volatile boolean closed;
    private volatile Instant lastEvent;
    private volatile long lastFrameNanos;
    private volatile long pingSentNanos;
    private volatile String detail = "not started";
    /** Whether the last REST bootstrap failed (its warning was logged). */
    private volatile boolean bootstrapFailing;

    /**
     * A driver for {@code instance}.
     *
     * @param pingAfter silence after which a ping is sent
     * @param timeout   connect, REST and ping-answer timeout
     * @param clock     time source for event timestamps
     */
    public MempoolWsDriver(MempoolInstance instance, Duration pingAfter, Duration timeout, Clock clock) {
        this.instance = Objects.requireNonNull(instance, "instance");
        this.pingAfter = pingAfter;
        this.timeout = timeout;
        this.clock = clock;
    }

    @Override
    public String name() {
        return MempoolWsDriverProvider.NAME;
    }

    @Override
    public synchronized void start(Consumer<Event> sink) {
        if (this.sink != null) {
            throw new IllegalStateException("already started");
        }
        this.sink = Objects.requireNonNull(sink, "sink");
        loop = Executors.newSingleThreadScheduledExecutor(DriverThreads.daemon("btclock-mempool-ws", MempoolWsDriverProvider.NAME));
        httpPool = Executors.newFixedThreadPool(2, DriverThreads.daemon("btclock-mempool-http", MempoolWsDriverProvider.NAME));
        // HTTP/1.1 only: on http:// URLs the JDK client would otherwise offer an h2c upgrade, and a
        // mempool backend, whose WebSocket server takes every request carrying Upgrade, answers 400.
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout)
                .executor(httpPool).build();
        detail = "connecting";
        LOG.info("mempool-ws: connecting to {} (REST {})", shown(instance.webSocket()), shown(instance.restBase()));
        loop.execute(this::connect);
        loop.scheduleWithFixedDelay(this::checkSilence, 1, 1, TimeUnit.SECONDS);
    }

    @Override
    public DriverHealth health() {
        return new DriverHealth(connected, lastEvent, detail);
    }

    @Override
    public void close() {
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
        WebSocket ws = webSocket;
        webSocket = null;
        if (ws != null) {
            ws.abort();
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
            LOG.debug("mempool-ws: closing the HTTP client: {}", failure);
        }
    }

    private void connect() {
        if (closed) {
            return;
        }
        bootstrap();
        int gen = ++generation;
        try {
            HttpClient client = http;
            if (client == null) {
                return;
            }
            WebSocket ws = client.newWebSocketBuilder()
                    .connectTimeout(timeout)
                    .buildAsync(instance.webSocket(), new Listener(gen))
                    .get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            webSocket = ws;
            lastFrameNanos = System.nanoTime();
            pingSentNanos = 0;
            connected = true;
            detail = "connected";
            backoff.reset();
            LOG.info("mempool-ws: connected to {}", shown(instance.webSocket()));
            ws.sendText(INIT, true).thenCompose(w -> w.sendText(WANT, true))
                    .exceptionally(e -> {
                        fail(gen, "cannot subscribe: " + e);
                        return null;
                    });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            fail(gen, "cannot connect: " + rootCause(e));
        }
    }

    /**
     * REST values so that data exists before (or without) the WebSocket; a failed request is skipped.
     * A bootstrap that fails is logged at warn once, with the first failure, until one succeeds again.
     */
    private void bootstrap() {
        Instant now = clock.instant();
        String failure = fetch("/api/blocks/tip/height", body -> emit(List.of(messages.tipHeight(body, now))));
        failure = first(failure, fetch("/api/v1/fees/mempool-blocks",
                body -> messages.mempoolBlocks(body, now).ifPresent(e -> emit(List.of(e)))));
        failure = first(failure, fetch("/api/v1/prices", body -> emit(messages.prices(body, now))));
        if (failure != null && !bootstrapFailing) {
            bootstrapFailing = true;
            LOG.warn("mempool-ws: REST bootstrap from {} failed: {} (retried at every reconnect; logged again once it works)",
                    shown(instance.restBase()), failure);
        } else if (failure == null && bootstrapFailing) {
            bootstrapFailing = false;
            LOG.info("mempool-ws: REST bootstrap from {} works again", shown(instance.restBase()));
        }
    }

    private static String first(String a, String b) {
        return a != null ? a : b;
    }

    /** GETs {@code path} and hands a 200 body to {@code onBody}; returns why it failed, or null. */
    private String fetch(String path, Consumer<String> onBody) {
        URI uri = instance.rest(path);
        try {
            HttpClient client = http;
            if (client == null) {
                return null;
            }
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                LOG.debug("mempool-ws: bootstrap {} answered {}", shown(uri), r.statusCode());
                return "GET " + path + " answered HTTP " + r.statusCode();
            }
            lastEvent = clock.instant();
            onBody.accept(r.body());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (MalformedUpstreamData e) {
            LOG.warn("mempool-ws: bootstrap {} skipped: {}", shown(uri), e.getMessage());
            return null;
        } catch (Exception e) {
            LOG.debug("mempool-ws: bootstrap {} failed: {}", shown(uri), rootCause(e));
            return "GET " + path + ": " + rootCause(e);
        }
    }

    private void checkSilence() {
        WebSocket ws = webSocket;
        if (!connected || ws == null) {
            return;
        }
        long now = System.nanoTime();
        if (pingSentNanos == 0 && now - lastFrameNanos > pingAfter.toNanos()) {
            pingSentNanos = now;
            ws.sendText(PING, true);
        } else if (pingSentNanos != 0 && now - pingSentNanos > timeout.toNanos()) {
            fail(generation, "no answer to ping within " + timeout.toSeconds() + "s");
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
                WebSocket ws = webSocket;
                webSocket = null;
                if (ws != null) {
                    ws.abort();
                }
                Duration delay = backoff.next();
                detail = "reconnecting in " + delay.toMillis() + " ms: " + reason;
                try (org.slf4j.MDC.MDCCloseable r = org.slf4j.MDC.putCloseable("reason", reason)) {
                    LOG.warn("mempool-ws: {}; reconnecting in {} ms", reason, delay.toMillis());
                }
                loop.schedule(this::connect, delay.toMillis(), TimeUnit.MILLISECONDS);
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    private void onFrame(String text) {
        lastFrameNanos = System.nanoTime();
        pingSentNanos = 0;
        Instant now = clock.instant();
        lastEvent = now;
        try {
            emit(messages.frame(text, now));
        } catch (MalformedUpstreamData e) {
            LOG.warn("mempool-ws: skipped a frame: {}", e.getMessage());
        }
    }

    private void emit(List<Event> events) {
        Consumer<Event> s = sink;
        for (Event e : events) {
            try {
                s.accept(e);
            } catch (RuntimeException ex) {
                LOG.error("mempool-ws: event sink failed on {}", e, ex);
            }
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final int gen;
        private final StringBuilder text = new StringBuilder();
        private boolean oversized;

        Listener(int gen) {
            this.gen = gen;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            if (!oversized) {
                if (text.length() + data.length() > MAX_FRAME_CHARS) {
                    oversized = true;
                    text.setLength(0);
                } else {
                    text.append(data);
                }
            }
            if (last) {
                if (oversized) {
                    LOG.warn("mempool-ws: skipped a frame over {} characters", MAX_FRAME_CHARS);
                } else if (gen == generation) {
                    onFrame(text.toString());
                }
                text.setLength(0);
                oversized = false;
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            fail(gen, "closed by upstream (" + statusCode + (reason.isEmpty() ? "" : " " + reason) + ")");
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            fail(gen, "connection error: " + rootCause(error));
        }
    }

    private static String rootCause(Throwable e) {
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
}
