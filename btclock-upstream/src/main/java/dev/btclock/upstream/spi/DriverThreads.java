package dev.btclock.upstream.spi;

import org.slf4j.MDC;

import java.net.http.HttpClient;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * Threads for a driver: daemon threads whose log events carry the driver's name as the
 * {@value #FIELD} context field (SLF4J's MDC; {@code LOG_FORMAT=json} writes it as a field of each
 * line, the plain format ignores it), and how a driver that reads through the JDK HTTP client stops
 * them without leaving a thread behind.
 */
public final class DriverThreads {

    /** The log context field that names the driver. */
    public static final String FIELD = "driver";

    private DriverThreads() {
    }

    /** A factory of daemon threads called {@code threadName} whose log events name {@code driver}. */
    public static ThreadFactory daemon(String threadName, String driver) {
        return r -> {
            Thread t = new Thread(() -> {
                MDC.put(FIELD, driver);
                r.run();
            }, threadName);
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Stops a driver's connection loop at once, then the executor of its JDK HTTP client gracefully:
     * the client's own completion tasks must still run, or its exchanges never end and JDK 17's
     * selector thread (no {@code HttpClient.close()} before Java 21) stays alive for good. Waits at
     * most about 4 s; keeps the interrupt of an interrupted caller.
     */
    public static void stop(ExecutorService loop, ExecutorService httpPool) {
        loop.shutdownNow();
        try {
            loop.awaitTermination(2, TimeUnit.SECONDS);
            httpPool.shutdown();
            if (!httpPool.awaitTermination(2, TimeUnit.SECONDS)) {
                httpPool.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Closes {@code client} where the JDK can (Java 21 and later stop its threads now); on Java 17
     * its selector thread ends once the client is unreachable, so the caller drops its reference too.
     *
     * @return why closing failed, or null
     */
    public static String close(HttpClient client) {
        if (client instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                return e.toString();
            }
        }
        return null;
    }
}
