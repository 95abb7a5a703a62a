package dev.btclock.bus.valkey;

import dev.btclock.bus.spi.BusConfig;
import dev.btclock.bus.spi.BusProvider;
import dev.btclock.bus.spi.EventBus;
import dev.btclock.core.config.Settings;

/**
 * Provides {@code valkey} ({@code BROKER=valkey}): many nodes share one feed through Valkey or
 * Redis Streams, and a lease in the broker picks the one node that runs the upstream. Settings:
 * {@code BROKER_URL}, {@code BROKER_PREFIX}, {@code BROKER_MAXLEN}, {@code BROKER_STALE_SECONDS},
 * {@code LEADER_LEASE_SECONDS}.
 */
public final class ValkeyBusProvider implements BusProvider {

    /** The name users put in {@code BROKER}. */
    public static final String NAME = "valkey";

    /** Creates the provider; does nothing else. */
    public ValkeyBusProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public EventBus create(BusConfig config) {
        ValkeyEventBus bus = new ValkeyEventBus(ValkeySettings.from(new Settings(config.settings())));
        bus.start();
        return bus;
    }
}
