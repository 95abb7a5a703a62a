package dev.btclock.upstream.contract;

import dev.btclock.core.event.BlockUpdate;
import dev.btclock.core.event.Event;
import dev.btclock.upstream.spi.UpstreamDriver;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** One test's fixture, driver and received events; closes both. */
final class DriverRun<F extends DriverFixture> implements AutoCloseable {

    /** How long a kit waits for anything. */
    static final Duration DEADLINE = Duration.ofSeconds(20);

    final F fixture;
    final List<Event> events = new CopyOnWriteArrayList<>();
    UpstreamDriver driver;

    DriverRun(F fixture) {
        this.fixture = fixture;
    }

    DriverRun<F> start() {
        driver = fixture.newDriver();
        driver.start(events::add);
        return this;
    }

    boolean sawHeight(long h) {
        return events.stream().anyMatch(e -> e instanceof BlockUpdate b && b.height() == h);
    }

    /** Polls {@code condition} every 10 ms until it holds; fails after {@link #DEADLINE}, with {@code state}. */
    static void await(String what, BooleanSupplier condition, Supplier<String> state) {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out after " + DEADLINE + " waiting for " + what + " " + state.get());
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    void await(String what, BooleanSupplier condition) {
        await(what, condition, events::toString);
    }

    @Override
    public void close() {
        if (driver != null) {
            driver.close();
        }
        fixture.close();
    }
}
