package dev.btclock.tests;

import dev.btclock.core.Await;
import dev.btclock.server.ServerAssembly;
import dev.btclock.server.ServerConfig;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Starts the production server assembly on loopback ports against a fake upstream. */
public final class TestServer {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private TestServer() {
    }

    /** A server reading {@code fake}, with {@code extra} settings on top of the test defaults. */
    public static ServerAssembly start(FakeMempoolServer fake, Map<String, String> extra) throws IOException {
        return start(config(fake, extra));
    }

    /** The configuration {@link #start} uses, to adjust what the environment cannot express (sub-minute idle timeouts). */
    public static ServerConfig config(FakeMempoolServer fake, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>();
        env.put("LISTEN_ADDR", "127.0.0.1:0");
        env.put("METRICS_ADDR", "127.0.0.1:0");
        env.put("MEMPOOL_INSTANCE", fake.baseUrl());
        env.put("WS_ENGINE", engine());
        env.putAll(extra);
        return ServerConfig.from(env);
    }

    /**
     * The WebSocket engine the tests run on ({@code WS_ENGINE}): the one a {@link BothEngines} suite
     * is running with, else {@code native}.
     */
    public static String engine() {
        String e = engine;
        return e != null ? e : "native";
    }

    /** The engine of the {@link BothEngines} suite running now (suites run one at a time), or null. */
    private static volatile String engine;

    /** Sets the engine of the servers started from now on; null for the default. */
    public static void useEngine(String name) {
        engine = name;
    }

    /** Starts the production assembly with {@code config} and the providers on the class path. */
    public static ServerAssembly start(ServerConfig config) throws IOException {
        return ServerAssembly.start(config, dev.btclock.upstream.spi.Drivers.installed(),
                dev.btclock.bus.spi.Buses.installed(), false);
    }

    /** Starts the production assembly with {@code config} and a WebSocket layer timed by {@code ticker}. */
    public static ServerAssembly start(ServerConfig config, dev.btclock.server.ws.Ticker ticker) throws IOException {
        return ServerAssembly.start(config, dev.btclock.server.Plugins.of(dev.btclock.upstream.spi.Drivers.installed(),
                dev.btclock.bus.spi.Buses.installed()), false, dev.btclock.server.guard.FatalErrors.LOG_ONLY, ticker);
    }

    /** Waits until {@code server} is healthy and has a USD price. */
    public static ServerAssembly awaitHealthy(ServerAssembly server) {
        Await.until("server healthy", Duration.ofSeconds(15), () -> server.health().healthy()
                && server.state().snapshot().prices().containsKey("USD"));
        return server;
    }

    /** Starts and waits until {@code /healthz} is 200 (upstream connected, data present). */
    public static ServerAssembly startHealthy(FakeMempoolServer fake, Map<String, String> extra) throws IOException {
        return awaitHealthy(start(fake, extra));
    }

    /** GET {@code path} on {@code port}. */
    public static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
