package dev.btclock.upstream.spi;

import dev.btclock.core.event.Event;

import java.util.function.Consumer;

/**
 * A source of price, block and fee events (a mempool instance, a bitcoind node, ...).
 *
 * <p>Lifecycle: created idle by its provider; {@link #start} begins connecting in the background
 * and returns at once; the driver then reconnects by itself after every failure until
 * {@link #close}. It never throws into the sink's caller after start: bad upstream data is
 * skipped and logged. Implementations are thread-safe.
 */
public interface UpstreamDriver extends AutoCloseable {

    /** The provider name, e.g. {@code mempool-ws}; also the {@code source} of its events. */
    String name();

    /**
     * Starts the driver. Events go to {@code sink} from the driver's own threads, in the order the
     * upstream produced them. Calling it twice is an error.
     */
    void start(Consumer<Event> sink);

    /** The kinds of datum this driver provides; all three unless overridden (bitcoind has no prices). */
    default java.util.Set<DataKind> kinds() {
        return java.util.EnumSet.allOf(DataKind.class);
    }

    /** Current connectivity, for {@code /healthz} and metrics; never blocks. */
    DriverHealth health();

    /** Disconnects and stops every thread the driver started. Idempotent. */
    @Override
    void close();
}
