package dev.btclock.upstream.spi;

import dev.btclock.core.plugin.ProviderLookup;

import java.util.List;
import java.util.ServiceLoader;

/** Looks up driver providers by the name in {@code UPSTREAM}. */
public final class Drivers {

    private static final String KIND = "upstream driver";
    private static final String SETTING = "UPSTREAM";

    private Drivers() {
    }

    /**
     * Every provider on the class path and in the modules of this library's layer: the built-in
     * drivers and any plugin deployed beside them.
     */
    public static ProviderLookup<UpstreamDriverProvider> installed() {
        return installed(Drivers.class.getClassLoader());
    }

    /**
     * Every provider visible to {@code loader}: those of its class path (a plugin directory's
     * {@link java.net.URLClassLoader}, say), of its ancestors, and of the named modules they define.
     */
    public static ProviderLookup<UpstreamDriverProvider> installed(ClassLoader loader) {
        return ProviderLookup.load(ServiceLoader.load(UpstreamDriverProvider.class, loader), KIND, SETTING,
                UpstreamDriverProvider::name);
    }

    /** Every provider in the modules of {@code layer} and its parents (plugins in their own module layer). */
    public static ProviderLookup<UpstreamDriverProvider> installed(ModuleLayer layer) {
        return ProviderLookup.load(ServiceLoader.load(layer, UpstreamDriverProvider.class), KIND, SETTING,
                UpstreamDriverProvider::name);
    }

    /** Exactly these providers (tests, embedders). */
    public static ProviderLookup<UpstreamDriverProvider> of(List<UpstreamDriverProvider> providers) {
        return ProviderLookup.of(providers, KIND, SETTING, UpstreamDriverProvider::name);
    }
}
