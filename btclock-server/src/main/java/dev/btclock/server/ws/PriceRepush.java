package dev.btclock.server.ws;

import dev.btclock.server.guard.FatalErrors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code PRICE_REPUSH_SECONDS}: sends a price unchanged for that long again, whatever engine serves
 * the devices (docs/protocol.md, deliberate change 4: v3 devices that dropped the last change of a
 * quiet market). Checks once a second at most; the age is measured on the fan-out's {@link Ticker}.
 * A stale price (no fresh source confirmed it for {@code PRICE_STALE_SECONDS}) is never sent again:
 * a device shows its last value as on any quiet market rather than being told a frozen one is new.
 */
public final class PriceRepush implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PriceRepush.class);

    private final Fanout fanout;
    private final Duration age;
    private final FatalErrors fatal;
    private final java.util.function.Predicate<String> stale;
    private ScheduledExecutorService timer;

    /** Re-pushes {@code fanout}'s prices older than {@code age}, except those {@code stale} names; a zero age turns it off. */
    public PriceRepush(Fanout fanout, Duration age, FatalErrors fatal, java.util.function.Predicate<String> stale) {
        this.fanout = fanout;
        this.age = age;
        this.fatal = fatal;
        this.stale = stale;
    }

    /** Starts checking (a thread of its own), unless it is off. */
    public synchronized void start() {
        if (age.isZero() || timer != null) {
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "btclock-price-repush");
            t.setDaemon(true);
            return t;
        });
        long check = Math.min(1000, age.toMillis());
        timer.scheduleWithFixedDelay(fatal.guard("the price re-push", this::check), check, check, TimeUnit.MILLISECONDS);
    }

    /** Re-pushes what is due now; the timer calls it (and tests that drive the ticker by hand). */
    public void check() {
        try {
            fanout.repushPrices(age.toNanos(), stale);
        } catch (RuntimeException e) {
            LOG.error("price re-push failed", e);
        }
    }

    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
