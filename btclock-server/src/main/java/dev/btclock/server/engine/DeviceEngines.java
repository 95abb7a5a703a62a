package dev.btclock.server.engine;

import dev.btclock.core.plugin.ProviderLookup;

import java.util.ServiceLoader;

/** Finds {@link DeviceEngineProvider}s by name ({@code WS_ENGINE}). */
public final class DeviceEngines {

    /** The setting that names the engine. */
    public static final String SETTING = "WS_ENGINE";
    /** The engine used when {@code WS_ENGINE} is not set: the server's own RFC 6455 implementation. */
    public static final String DEFAULT = "native";

    private DeviceEngines() {
    }

    /** The engines on this module's class path. */
    public static ProviderLookup<DeviceEngineProvider> installed() {
        return installed(DeviceEngines.class.getClassLoader());
    }

    /** The engines {@code loader} sees (the plugin directory's loader, say). */
    public static ProviderLookup<DeviceEngineProvider> installed(ClassLoader loader) {
        return ProviderLookup.load(ServiceLoader.load(DeviceEngineProvider.class, loader), "WebSocket engine",
                SETTING, DeviceEngineProvider::name);
    }
}
