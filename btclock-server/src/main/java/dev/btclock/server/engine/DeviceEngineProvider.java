package dev.btclock.server.engine;

/**
 * Creates a {@link DeviceEngine}; found with {@link java.util.ServiceLoader} by {@link #name()},
 * chosen with {@code WS_ENGINE}. Constructors do no I/O and start no threads.
 */
public interface DeviceEngineProvider {

    /** The word users put in {@code WS_ENGINE}, e.g. {@code native}. */
    String name();

    /**
     * Creates an engine serving the devices of {@code context}'s fan-out.
     *
     * @throws dev.btclock.core.config.ConfigException listing every bad setting by name
     */
    DeviceEngine create(EngineContext context);
}
