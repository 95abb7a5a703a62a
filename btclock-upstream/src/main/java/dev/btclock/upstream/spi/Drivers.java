package dev.btclock.upstream.spi;

import dev.btclock.core.plugin.ProviderLookup;

import java.util.List;

/** Looks up driver providers by the name in {@code UPSTREAM}. */
public final class Drivers {

    private Drivers() {
    }

    /** Every provider on the class path or module path. */
    public static ProviderLookup<UpstreamDriverProvider> installed() {
        return ProviderLookup.load(UpstreamDriverProvider.class, "upstream driver", "UPSTREAM",
                UpstreamDriverProvider::name);
    }

    /** Exactly these providers (tests, embedders). */
    public static ProviderLookup<UpstreamDriverProvider> of(List<UpstreamDriverProvider> providers) {
        return ProviderLookup.of(providers, "upstream driver", "UPSTREAM", UpstreamDriverProvider::name);
    }
}
