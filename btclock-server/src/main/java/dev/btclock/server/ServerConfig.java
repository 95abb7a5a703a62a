package dev.btclock.server;

import dev.btclock.core.config.HostPort;
import dev.btclock.core.config.Settings;
import dev.btclock.server.guard.InboundBudget;
import dev.btclock.server.ws.WsSettings;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The server's own settings (the README's table), read from environment-style names. Driver and
 * bus, engine and publisher settings travel in {@link #settings()} to their providers, which validate them; the upstream
 * choice ({@code UPSTREAM}, {@code UPSTREAM_FALLBACK}, {@code FAILOVER_*}, {@code PRICE_SOURCE}) is
 * read by {@link dev.btclock.upstream.failover.Upstreams} alone.
 *
 * @param listen             {@code LISTEN_ADDR}: device WebSockets, REST and health (default {@code :8080})
 * @param metrics            {@code METRICS_ADDR}: {@code /metrics} and {@code /healthz} (default {@code :9090}); null when {@code off}
 * @param broker             {@code BROKER}: bus name (default {@code inproc})
 * @param engine             {@code WS_ENGINE}: what serves the device WebSocket paths, {@code native} (default) or {@code jsr356}
 * @param fanoutThreads      {@code FANOUT_THREADS}: threads writing one broadcast, 1 or 2 (default 2 with two cores or more)
 * @param logLevel           {@code LOGLEVEL}: trace, debug, info, warn or error (default {@code info})
 * @param ws                 the device WebSocket layer's limits and timings ({@code WS_*}, {@code PRICE_REPUSH_SECONDS})
 * @param priceStale         {@code PRICE_STALE_SECONDS}: a price not confirmed for this long is stale: never re-pushed,
 *                           named by {@code /healthz} (default 30 with {@code PRICE_SOURCE=exchanges}, whose median
 *                           confirms fresh prices every 5 s; 900 otherwise, a mempool instance refreshing every 5 minutes)
 * @param headerTimeout      {@code HTTP_HEADER_TIMEOUT_SECONDS}: time to send a complete request (default 10 s)
 * @param sendBufferBytes    {@code WS_SEND_BUFFER_BYTES}: kernel send buffer per connection (default 65536; 0 = kernel autotuning)
 * @param inboundBudgetBytes {@code INBOUND_BUDGET_BYTES}: unfinished request heads and WebSocket messages of all
 *                           connections together (default a sixteenth of the heap, at most 32 MiB)
 * @param pluginDir          {@code PLUGIN_DIR}: third-party driver and bus jars (default {@code plugins})
 * @param pluginDirRequired  whether {@code PLUGIN_DIR} was given, so that a missing directory is an error
 * @param diagnostics        {@code DIAGNOSTICS}: thread dump, heap histogram and JFR recording on the metrics port (default off)
 * @param settings           every setting, for drivers and buses
 */
public record ServerConfig(HostPort listen, HostPort metrics, String broker, String engine, int fanoutThreads, String logLevel,
                           WsSettings ws, Duration priceStale, Duration headerTimeout, int sendBufferBytes, long inboundBudgetBytes,
                           java.nio.file.Path pluginDir, boolean pluginDirRequired, boolean diagnostics,
                           Map<String, String> settings) {

    private static final Set<String> LEVELS = Set.of("trace", "debug", "info", "warn", "error");

    /** Copies the settings map. */
    public ServerConfig {
        settings = Map.copyOf(settings);
    }

    /** This configuration with other WebSocket limits and timings (tests need sub-minute idle timeouts). */
    public ServerConfig withWs(WsSettings other) {
        return new ServerConfig(listen, metrics, broker, engine, fanoutThreads, logLevel, other, priceStale, headerTimeout, sendBufferBytes,
                inboundBudgetBytes, pluginDir, pluginDirRequired, diagnostics, settings);
    }

    /**
     * Reads and validates every server setting.
     *
     * @throws dev.btclock.core.config.ConfigException listing every bad setting by name
     */
    public static ServerConfig from(Map<String, String> env) {
        Settings s = new Settings(env);
        HostPort listen = s.hostPort("LISTEN_ADDR", ":8080");
        String metricsValue = s.string("METRICS_ADDR", ":9090");
        HostPort metrics = metricsValue.equalsIgnoreCase("off") ? null : s.hostPort("METRICS_ADDR", ":9090");
        String broker = s.string("BROKER", "inproc");
        String engine = s.string(dev.btclock.server.engine.DeviceEngines.SETTING, dev.btclock.server.engine.DeviceEngines.DEFAULT);
        int fanoutThreads = s.integer("FANOUT_THREADS", Runtime.getRuntime().availableProcessors() < 2 ? 1 : 2, 1, 2);
        String level = s.string("LOGLEVEL", "info").toLowerCase(Locale.ROOT);
        if (!LEVELS.contains(level)) {
            s.problem("LOGLEVEL", "must be one of trace, debug, info, warn, error, got \"" + level + "\"");
            level = "info";
        }
        Duration ping = s.seconds("WS_PING_SECONDS", Duration.ofSeconds(25), 1, 3600);
        Duration idle = s.seconds("WS_IDLE_TIMEOUT_SECONDS", Duration.ofSeconds(75), 60, 86400);
        if (idle.compareTo(ping) <= 0) {
            s.problem("WS_IDLE_TIMEOUT_SECONDS", "must be longer than WS_PING_SECONDS (" + ping.toSeconds() + ")");
        }
        int queue = s.integer("WS_QUEUE_FRAMES", 256, 1, 65536);
        int maxMessage = s.integer("WS_MAX_MESSAGE_BYTES", 1024, 128, 65536);
        Duration messageTimeout = s.seconds("WS_MESSAGE_TIMEOUT_SECONDS", Duration.ofSeconds(10), 1, 300);
        Duration v1Delay = Duration.ofMillis(s.integer("WS_V1_CONNECT_DELAY_MS", 500, 0, 10_000));
        long budget = s.integer("INBOUND_BUDGET_BYTES", (int) InboundBudget.defaultBytes(), 65536, Integer.MAX_VALUE);
        Duration header = s.seconds("HTTP_HEADER_TIMEOUT_SECONDS", Duration.ofSeconds(10), 1, 300);
        int sendBuffer = s.integer("WS_SEND_BUFFER_BYTES", 65536, 0, 16 * 1024 * 1024);
        Duration repush = s.seconds("PRICE_REPUSH_SECONDS", Duration.ZERO, 0, 86400);
        boolean exchanges = "exchanges".equalsIgnoreCase(s.string("PRICE_SOURCE", "auto").trim());
        Duration priceStale = s.seconds("PRICE_STALE_SECONDS", Duration.ofSeconds(exchanges ? 30 : 900), 1, 86400);
        if (exchanges && priceStale.toSeconds() < 10) {
            s.problem("PRICE_STALE_SECONDS", "must be at least 10 with PRICE_SOURCE=exchanges (the median confirms fresh prices "
                    + "every 5 s), got " + priceStale.toSeconds());
        }
        java.nio.file.Path pluginDir = null;
        String pluginValue = s.string(PluginDirectory.SETTING, "plugins").trim();
        try {
            pluginDir = java.nio.file.Path.of(pluginValue.isEmpty() ? "plugins" : pluginValue);
        } catch (java.nio.file.InvalidPathException e) {
            s.problem(PluginDirectory.SETTING, "is not a path: " + e.getReason());
        }
        String logFormat = s.string("LOG_FORMAT", "plain").trim().toLowerCase(Locale.ROOT);
        if (!logFormat.equals("plain") && !logFormat.equals("json")) {
            s.problem("LOG_FORMAT", "must be plain or json, got \"" + logFormat + "\"");
        }
        boolean diagnostics = s.bool("DIAGNOSTICS", false);
        if (diagnostics && metrics == null) {
            s.problem("DIAGNOSTICS", "needs the metrics port (METRICS_ADDR is off): diagnostics are never served on the device port");
        }
        if (metrics != null && metrics.port() != 0 && metrics.port() == listen.port()) {
            s.problem("METRICS_ADDR", "must use another port than LISTEN_ADDR (" + listen.port() + ")");
        }
        s.check();
        WsSettings ws = new WsSettings(queue, maxMessage, messageTimeout, ping, idle, repush, v1Delay);
        return new ServerConfig(listen, metrics, broker, engine, fanoutThreads, level, ws, priceStale, header, sendBuffer, budget, pluginDir,
                !pluginValue.isEmpty() && env.containsKey(PluginDirectory.SETTING), diagnostics, env);
    }
}
