package dev.btclock.server.log;

import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.event.Level;
import org.slf4j.spi.MDCAdapter;

import java.io.PrintStream;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** One {@link JsonLogger} per name, all writing to one stream at one level threshold. Thread-safe. */
final class JsonLoggerFactory implements ILoggerFactory {

    private final ConcurrentMap<String, Logger> loggers = new ConcurrentHashMap<>();
    private final Level threshold;
    private final MDCAdapter mdc;
    private final PrintStream out;

    JsonLoggerFactory(Level threshold, MDCAdapter mdc, PrintStream out) {
        this.threshold = threshold;
        this.mdc = mdc;
        this.out = out;
    }

    @Override
    public Logger getLogger(String name) {
        return loggers.computeIfAbsent(name, n -> new JsonLogger(n, threshold, mdc, out));
    }
}
