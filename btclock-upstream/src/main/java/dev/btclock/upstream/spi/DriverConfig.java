package dev.btclock.upstream.spi;

import java.time.Clock;
import java.util.Map;
import java.util.Objects;

/**
 * What a driver may read: every setting by its environment name ({@code MEMPOOL_INSTANCE}, ...)
 * and the clock to use for timestamps and timeouts. Each driver validates the names it uses when
 * it is created.
 *
 * @param settings every setting the server was given
 * @param clock    the time source (tests inject a fixed or manual clock)
 */
public record DriverConfig(Map<String, String> settings, Clock clock) {

    /** Copies the map. */
    public DriverConfig {
        settings = Map.copyOf(settings);
        Objects.requireNonNull(clock, "clock");
    }

    /** A config from a map of settings and the system clock. */
    public static DriverConfig from(Map<String, String> settings) {
        return new DriverConfig(settings, Clock.systemUTC());
    }

    @Override
    public String toString() {
        return "DriverConfig" + settings.keySet();
    }
}
