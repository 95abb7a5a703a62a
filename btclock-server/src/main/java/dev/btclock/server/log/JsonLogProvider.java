package dev.btclock.server.log;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

import java.util.Locale;

/**
 * The SLF4J provider of {@code LOG_FORMAT=json}: every event is one line on standard error, a JSON
 * object with {@code time}, {@code level}, {@code logger}, {@code thread}, {@code message}, the
 * context fields the server sets ({@code driver}, {@code relay}, {@code reason}, ...), and for an
 * exception {@code error} and {@code stack}. It is chosen by name ({@code -Dslf4j.provider}, which
 * {@code Main} sets), never found by the service loader, so the plain format of slf4j-simple stays
 * the default. The level is {@code LOGLEVEL}, read from the same system property as slf4j-simple's.
 */
public final class JsonLogProvider implements SLF4JServiceProvider {

    private final BasicMarkerFactory markers = new BasicMarkerFactory();
    private final BasicMDCAdapter mdc = new BasicMDCAdapter();
    private JsonLoggerFactory loggers;

    /** Created by SLF4J. */
    public JsonLogProvider() {
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return loggers;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {
        String level = System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "info").toUpperCase(Locale.ROOT);
        Level threshold;
        try {
            threshold = Level.valueOf(level);
        } catch (IllegalArgumentException e) {
            threshold = Level.INFO;
        }
        loggers = new JsonLoggerFactory(threshold, mdc, System.err);
    }
}
