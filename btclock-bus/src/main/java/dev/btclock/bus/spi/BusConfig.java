package dev.btclock.bus.spi;

import java.util.Map;

/**
 * The settings a bus may read, as a plain immutable map of environment-style names
 * ({@code BROKER_URL}, ...). Each bus validates the names it uses when it is created.
 *
 * @param settings every setting the server was given
 */
public record BusConfig(Map<String, String> settings) {

    /** Copies the map. */
    public BusConfig {
        settings = Map.copyOf(settings);
    }

    /** A config from a map of settings. */
    public static BusConfig from(Map<String, String> settings) {
        return new BusConfig(settings);
    }

    @Override
    public String toString() {
        return "BusConfig" + settings.keySet();
    }
}
