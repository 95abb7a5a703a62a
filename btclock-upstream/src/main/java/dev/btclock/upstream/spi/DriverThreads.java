package dev.btclock.upstream.spi;

import org.slf4j.MDC;

import java.util.concurrent.ThreadFactory;

/**
 * Threads for a driver: daemon threads whose log events carry the driver's name as the
 * {@value #FIELD} context field (SLF4J's MDC; {@code LOG_FORMAT=json} writes it as a field of each
 * line, the plain format ignores it).
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
}
