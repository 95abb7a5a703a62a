package dev.btclock.server.ws;

import jakarta.websocket.DeploymentException;
import jakarta.websocket.server.ServerEndpointConfig;
import org.glassfish.tyrus.core.TyrusWebSocketEngine;
import org.glassfish.tyrus.server.TyrusServerContainer;
import org.glassfish.tyrus.spi.WebSocketEngine;

import java.util.Map;
import java.util.Set;

/**
 * Our own Tyrus container (STACK.md §5.2): endpoints are registered programmatically and the
 * engine gets a small incoming buffer, so one client can neither pin megabytes nor send an
 * oversized frame without being closed (1009/1011) on its own.
 */
public final class WsContainer extends TyrusServerContainer {

    private final TyrusWebSocketEngine engine;

    /** A container whose engine accepts client frames up to {@code incomingBufferBytes}. */
    public WsContainer(int incomingBufferBytes) {
        super((Set<Class<?>>) null);
        this.engine = TyrusWebSocketEngine.builder(this).incomingBufferSize(incomingBufferBytes).build();
    }

    @Override
    public void register(Class<?> endpointClass) throws DeploymentException {
        engine.register(endpointClass, "/");
    }

    @Override
    public void register(ServerEndpointConfig config) throws DeploymentException {
        engine.register(config, "/");
    }

    @Override
    public WebSocketEngine getWebSocketEngine() {
        return engine;
    }

    @Override
    public Map<String, Object> getProperties() {
        return Map.of();
    }
}
