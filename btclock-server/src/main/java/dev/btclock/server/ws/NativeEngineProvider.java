package dev.btclock.server.ws;

import dev.btclock.server.engine.DeviceEngine;
import dev.btclock.server.engine.DeviceEngineProvider;
import dev.btclock.server.engine.EngineContext;

/** {@code WS_ENGINE=native} (the default): the server's own RFC 6455 code, see {@link ClientSupervisor}. */
public final class NativeEngineProvider implements DeviceEngineProvider {

    @Override
    public String name() {
        return "native";
    }

    @Override
    public DeviceEngine create(EngineContext context) {
        return new ClientSupervisor(context);
    }
}
