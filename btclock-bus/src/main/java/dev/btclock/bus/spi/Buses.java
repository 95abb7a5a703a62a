package dev.btclock.bus.spi;

import dev.btclock.core.plugin.ProviderLookup;

import java.util.List;

/** Looks up bus providers by the name in {@code BROKER}. */
public final class Buses {

    private Buses() {
    }

    /** Every provider on the class path or module path. */
    public static ProviderLookup<BusProvider> installed() {
        return ProviderLookup.load(BusProvider.class, "bus", "BROKER", BusProvider::name);
    }

    /** Exactly these providers (tests, embedders). */
    public static ProviderLookup<BusProvider> of(List<BusProvider> providers) {
        return ProviderLookup.of(providers, "bus", "BROKER", BusProvider::name);
    }
}
