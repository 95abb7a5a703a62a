package dev.btclock.server.tyrus;

import dev.btclock.server.engine.DeviceEngine;
import dev.btclock.server.engine.DeviceEngineProvider;
import dev.btclock.server.engine.EngineContext;

/**
 * {@code WS_ENGINE=jsr356}: the device endpoints as Jakarta WebSocket endpoints
 * ({@link dev.btclock.server.jakarta.DeviceEndpoints}) on Tyrus's engine, on the device port's own
 * Grizzly listener (see {@link TyrusEngine}).
 */
public final class TyrusEngineProvider implements DeviceEngineProvider {

    @Override
    public String name() {
        return "jsr356";
    }

    @Override
    public DeviceEngine create(EngineContext context) {
        return new TyrusEngine(context);
    }
}
