package dev.btclock.server.tyrus;

import jakarta.websocket.ClientEndpointConfig;
import jakarta.websocket.Endpoint;
import jakarta.websocket.Extension;
import jakarta.websocket.Session;
import org.glassfish.tyrus.core.BaseContainer;

import java.net.URI;
import java.util.Map;
import java.util.Set;

/**
 * The {@link jakarta.websocket.WebSocketContainer} that Tyrus's engine and its sessions belong to:
 * a server-only container (no client connections), holding the defaults sessions start with and
 * Tyrus's executors ({@link BaseContainer}), which {@link #shutdown()} stops.
 */
final class DeviceContainer extends BaseContainer {

    private volatile int maxBinary;
    private volatile int maxText;

    DeviceContainer(int maxMessageBytes) {
        this.maxBinary = maxMessageBytes;
        this.maxText = maxMessageBytes;
    }

    @Override
    public Map<String, Object> getProperties() {
        return Map.of();
    }

    @Override
    public long getDefaultAsyncSendTimeout() {
        return 0; // Tyrus ignores it: the fan-out bounds what waits instead
    }

    @Override
    public void setAsyncSendTimeout(long timeoutMillis) {
        // not applied by Tyrus (see getDefaultAsyncSendTimeout)
    }

    @Override
    public long getDefaultMaxSessionIdleTimeout() {
        return 0; // liveness is the pinger's
    }

    @Override
    public void setDefaultMaxSessionIdleTimeout(long timeout) {
        throw new UnsupportedOperationException("idle devices are reaped by the pinger (WS_IDLE_TIMEOUT_SECONDS)");
    }

    @Override
    public int getDefaultMaxBinaryMessageBufferSize() {
        return maxBinary;
    }

    @Override
    public void setDefaultMaxBinaryMessageBufferSize(int max) {
        this.maxBinary = max;
    }

    @Override
    public int getDefaultMaxTextMessageBufferSize() {
        return maxText;
    }

    @Override
    public void setDefaultMaxTextMessageBufferSize(int max) {
        this.maxText = max;
    }

    @Override
    public Set<Extension> getInstalledExtensions() {
        return Set.of();
    }

    @Override
    public Session connectToServer(Object annotatedEndpointInstance, URI path) {
        throw serverOnly();
    }

    @Override
    public Session connectToServer(Class<?> annotatedEndpointClass, URI path) {
        throw serverOnly();
    }

    @Override
    public Session connectToServer(Endpoint endpointInstance, ClientEndpointConfig cec, URI path) {
        throw serverOnly();
    }

    @Override
    public Session connectToServer(Class<? extends Endpoint> endpointClass, ClientEndpointConfig cec, URI path) {
        throw serverOnly();
    }

    private static UnsupportedOperationException serverOnly() {
        return new UnsupportedOperationException("the device container serves devices; it opens no client connections");
    }
}
