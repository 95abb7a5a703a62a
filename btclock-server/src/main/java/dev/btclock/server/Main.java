package dev.btclock.server;

import dev.btclock.core.config.ConfigException;
import dev.btclock.server.guard.FatalErrors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import sun.misc.Signal;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;

/**
 * Runs the server: reads {@code .env} and the environment, validates every setting (a bad one
 * stops the start with a message naming it, exit code 2), starts, and on SIGTERM/SIGINT shuts
 * down gracefully and exits 0.
 */
public final class Main {

    /** Grizzly logs through java.util.logging; this keeps their level from being garbage-collected. */
    private static final java.util.logging.Logger GLASSFISH = java.util.logging.Logger.getLogger("org.glassfish");
    /**
     * Grizzly's filter chain logs a warning with a stack trace for every request it cannot parse:
     * one line per 65-byte request from anyone. The server counts and logs those itself.
     */
    private static final java.util.logging.Logger FILTER_CHAIN =
            java.util.logging.Logger.getLogger("org.glassfish.grizzly.filterchain.DefaultFilterChain");

    private Main() {
    }

    /** The entry point; arguments are not used (configuration is by environment). */
    public static void main(String[] args) throws InterruptedException {
        // Any thread that dies of an Error ends the process (exit 3), so that a supervisor restarts it.
        FatalErrors.EXIT.installAsDefault();
        Map<String, String> env;
        try {
            env = DotEnv.merged(Path.of(""), System.getenv());
        } catch (IOException e) {
            configureLogging("info", "plain");
            LoggerFactory.getLogger(Main.class).error("cannot read .env: {}", e.toString());
            System.exit(2);
            return;
        }
        configureLogging(env.getOrDefault("LOGLEVEL", "info"), env.getOrDefault("LOG_FORMAT", "plain"));
        Logger log = LoggerFactory.getLogger(Main.class);
        // The handlers go in before anything starts: a SIGTERM that arrives while the server is
        // starting stops it as soon as it has started, with exit 0, instead of the JVM's default.
        CountDownLatch stopRequested = new CountDownLatch(1);
        for (String sig : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(sig), s -> {
                log.info("received SIG{}", sig);
                stopRequested.countDown();
            });
        }
        ServerConfig config;
        ServerAssembly server;
        try {
            config = ServerConfig.from(env);
            logFileLimit(log);
            server = ServerAssembly.start(config);
        } catch (ConfigException e) {
            log.error("configuration error, not starting:\n  {}", String.join("\n  ", e.problems()));
            System.exit(2);
            return;
        } catch (IOException e) {
            log.error("cannot start: {}", e.toString());
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "btclock-shutdown-hook"));
        stopRequested.await();
        server.close();
        System.exit(0);
    }

    /**
     * slf4j-simple's plain lines, or with {@code LOG_FORMAT=json} one JSON object per event
     * ({@link dev.btclock.server.log.JsonLogProvider}, chosen by name before any logger exists).
     * A bad {@code LOG_FORMAT} is reported by the configuration check, in plain lines.
     */
    private static void configureLogging(String level, String format) {
        if ("json".equalsIgnoreCase(format.trim())) {
            System.setProperty("slf4j.provider", dev.btclock.server.log.JsonLogProvider.class.getName());
            // SLF4J would announce the explicit provider in a plain line of its own.
            System.setProperty("slf4j.internal.verbosity", "WARN");
        }
        String l = level.toLowerCase(java.util.Locale.ROOT);
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", l);
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
        System.setProperty("org.slf4j.simpleLogger.showThreadName", "false");
        System.setProperty("org.slf4j.simpleLogger.levelInBrackets", "true");
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        boolean debug = l.equals("debug") || l.equals("trace");
        GLASSFISH.setLevel(debug ? Level.FINE : Level.WARNING);
        FILTER_CHAIN.setLevel(debug ? Level.FINE : Level.SEVERE);
    }

    private static void logFileLimit(Logger log) {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os) {
            long limit = os.getMaxFileDescriptorCount();
            if (limit < 65536) {
                log.warn("open-file limit is {}; each device needs one, so raise it to at least 65536 "
                        + "(systemd: LimitNOFILE=131072; shell: ulimit -n)", limit);
            } else {
                log.info("open-file limit is {}", limit);
            }
        }
    }
}
