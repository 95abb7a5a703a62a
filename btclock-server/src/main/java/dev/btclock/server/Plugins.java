package dev.btclock.server;

import dev.btclock.bus.spi.BusProvider;
import dev.btclock.bus.spi.Buses;
import dev.btclock.core.plugin.ProviderLookup;
import dev.btclock.server.engine.DeviceEngineProvider;
import dev.btclock.server.engine.DeviceEngines;
import dev.btclock.server.publish.PublisherProvider;
import dev.btclock.server.publish.Publishers;
import dev.btclock.upstream.spi.Drivers;
import dev.btclock.upstream.spi.UpstreamDriverProvider;

/**
 * Every kind of part the server is assembled from, each found by name with
 * {@link java.util.ServiceLoader}: upstream drivers ({@code UPSTREAM}), buses ({@code BROKER}),
 * WebSocket engines ({@code WS_ENGINE}) and publishers ({@code PUBLISHERS}).
 *
 * @param drivers    upstream drivers
 * @param buses      event buses
 * @param engines    device WebSocket engines
 * @param publishers change publishers
 */
public record Plugins(ProviderLookup<UpstreamDriverProvider> drivers, ProviderLookup<BusProvider> buses,
                      ProviderLookup<DeviceEngineProvider> engines, ProviderLookup<PublisherProvider> publishers) {

    /** The parts {@code loader} sees: the server's class path and, through it, the plugin directory. */
    public static Plugins installed(ClassLoader loader) {
        return new Plugins(Drivers.installed(loader), Buses.installed(loader), DeviceEngines.installed(loader),
                Publishers.installed(loader));
    }

    /** The built-in engines and publishers with the given drivers and buses (tests, embedders). */
    public static Plugins of(ProviderLookup<UpstreamDriverProvider> drivers, ProviderLookup<BusProvider> buses) {
        return new Plugins(drivers, buses, DeviceEngines.installed(), Publishers.installed());
    }
}
