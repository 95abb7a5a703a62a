package dev.btclock.bus.spi;

/**
 * Creates an {@link EventBus}; found with {@link java.util.ServiceLoader} by {@link #name()}.
 * Constructors do no I/O and start no threads.
 */
public interface BusProvider {

    /** The word users put in {@code BROKER}, e.g. {@code inproc}. */
    String name();

    /**
     * Creates a bus.
     *
     * @throws dev.btclock.core.config.ConfigException listing every bad setting
     */
    EventBus create(BusConfig config);
}
