package dev.btclock.bus.spi;

import dev.btclock.core.plugin.ProviderLookup;

import java.util.List;
import java.util.ServiceLoader;

/** Looks up bus providers by the name in {@code BROKER}. */
public final class Buses {

    private static final String KIND = "bus";
    private static final String SETTING = "BROKER";

    private Buses() {
    }

    /**
     * Every provider on the class path and in the modules of this library's layer: the built-in
     * buses and any plugin deployed beside them.
     */
    public static ProviderLookup<BusProvider> installed() {
        return installed(Buses.class.getClassLoader());
    }

    /**
     * Every provider visible to {@code loader}: those of its class path (a plugin directory's
     * {@link java.net.URLClassLoader}, say), of its ancestors, and of the named modules they define.
     */
    public static ProviderLookup<BusProvider> installed(ClassLoader loader) {
        return ProviderLookup.load(ServiceLoader.load(BusProvider.class, loader), KIND, SETTING, BusProvider::name);
    }

    /** Every provider in the modules of {@code layer} and its parents (plugins in their own module layer). */
    public static ProviderLookup<BusProvider> installed(ModuleLayer layer) {
        return ProviderLookup.load(ServiceLoader.load(layer, BusProvider.class), KIND, SETTING, BusProvider::name);
    }

    /** Exactly these providers (tests, embedders). */
    public static ProviderLookup<BusProvider> of(List<BusProvider> providers) {
        return ProviderLookup.of(providers, KIND, SETTING, BusProvider::name);
    }
}
