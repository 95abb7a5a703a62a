package dev.btclock.tests;

import jakarta.websocket.DeploymentException;
import jakarta.websocket.server.ServerEndpointConfig;
import org.glassfish.tyrus.core.TyrusWebSocketEngine;
import org.glassfish.tyrus.server.TyrusServerContainer;
import org.glassfish.tyrus.spi.WebSocketEngine;

import java.util.Map;
import java.util.Set;

/**
 * A Tyrus container for the fakes (docs/design.md §8.2): endpoints are registered
 * programmatically on a Grizzly listener of the fake's own, with a bounded incoming buffer. The fakes speak WebSocket
 * through Tyrus, an implementation independent of the server's own.
 */
final class WsContainer extends TyrusServerContainer {

    private final TyrusWebSocketEngine engine;

    /** A container whose engine accepts client frames up to {@code incomingBufferBytes}. */
    WsContainer(int incomingBufferBytes) {
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

    /**
     * An add-on that takes Grizzly's keep-alive idle filter out of a fake upstream's listener: a real
     * upstream does not cut a quiet subscriber, and the filter would after 30 s (which once raced the
     * mempool driver's own 30 s ping and dropped the upstream with 1006 under load).
     */
    static org.glassfish.grizzly.http.server.AddOn withoutIdleTimeout() {
        return (listener, chain) -> {
            int idle = chain.indexOfType(org.glassfish.grizzly.utils.IdleTimeoutFilter.class);
            if (idle >= 0) {
                chain.remove(idle);
            }
        };
    }
}
