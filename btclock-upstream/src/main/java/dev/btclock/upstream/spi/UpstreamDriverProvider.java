package dev.btclock.upstream.spi;

/**
 * Creates an {@link UpstreamDriver}; found with {@link java.util.ServiceLoader} by {@link #name()}.
 * Constructors do no I/O and start no threads.
 */
public interface UpstreamDriverProvider {

    /** The word users put in {@code UPSTREAM}, e.g. {@code mempool-ws}. */
    String name();

    /**
     * Creates an idle driver.
     *
     * @throws dev.btclock.core.config.ConfigException listing every bad setting
     */
    UpstreamDriver create(DriverConfig config);
}
