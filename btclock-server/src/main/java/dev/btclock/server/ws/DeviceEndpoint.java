package dev.btclock.server.ws;

import dev.btclock.core.codec.V2Codec;
import dev.btclock.server.metrics.ServerMetrics;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpointConfig;
import org.glassfish.grizzly.Connection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.Executor;

/**
 * One device session on {@code /ws}, {@code /api/v1/ws} (v1) or {@code /api/v2/ws} (v2). Incoming
 * v1 messages are ignored; incoming v2 binary messages are decoded and applied, anything
 * undecodable (and every text frame) is ignored silently, as devices expect. Every incoming
 * message or pong counts as a sign of life for the idle reaper.
 */
public final class DeviceEndpoint extends Endpoint {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceEndpoint.class);

    private final Protocol protocol;
    private final Fanout fanout;
    private final ServerMetrics metrics;
    private final Executor terminator;
    private final int queueFrames;
    private final int maxMessageBytes;
    private Client client;

    DeviceEndpoint(Protocol protocol, Fanout fanout, ServerMetrics metrics, Executor terminator, int queueFrames,
                   int maxMessageBytes) {
        this.protocol = protocol;
        this.fanout = fanout;
        this.metrics = metrics;
        this.terminator = terminator;
        this.queueFrames = queueFrames;
        this.maxMessageBytes = maxMessageBytes;
    }

    /** The endpoint configs for the three device paths. */
    static List<ServerEndpointConfig> configs(Fanout fanout, ServerMetrics metrics, Executor terminator,
                                              int queueFrames, int maxMessageBytes) {
        return List.of(
                config("/ws", Protocol.V1, fanout, metrics, terminator, queueFrames, maxMessageBytes),
                config("/api/v1/ws", Protocol.V1, fanout, metrics, terminator, queueFrames, maxMessageBytes),
                config("/api/v2/ws", Protocol.V2, fanout, metrics, terminator, queueFrames, maxMessageBytes));
    }

    private static ServerEndpointConfig config(String path, Protocol protocol, Fanout fanout, ServerMetrics metrics,
                                               Executor terminator, int queueFrames, int maxMessageBytes) {
        return ServerEndpointConfig.Builder.create(DeviceEndpoint.class, path)
                .subprotocols(List.of("arduino"))
                .configurator(new ServerEndpointConfig.Configurator() {
                    @Override
                    public <T> T getEndpointInstance(Class<T> type) {
                        return type.cast(new DeviceEndpoint(protocol, fanout, metrics, terminator, queueFrames,
                                maxMessageBytes));
                    }

                    /** Echo the first offered subprotocol, whatever it is, like the {@code ws} library did (PROTOCOL.md §2.1). */
                    @Override
                    public String getNegotiatedSubprotocol(List<String> supported, List<String> requested) {
                        if (requested == null || requested.isEmpty()) {
                            return "";
                        }
                        return requested.get(0).split(",")[0].trim();
                    }

                    @Override
                    public boolean checkOrigin(String originHeaderValue) {
                        return true;
                    }
                })
                .build();
    }

    @Override
    public void onOpen(Session session, EndpointConfig config) {
        Connection<?> connection = UpgradeCapture.upgradingConnection();
        if (connection == null) {
            LOG.error("WebSocket session opened outside the capturing filter; closing it");
            closeQuietly(session);
            return;
        }
        session.setMaxBinaryMessageBufferSize(maxMessageBytes);
        session.setMaxTextMessageBufferSize(maxMessageBytes);
        Client c = new Client(protocol, connection, queueFrames, metrics, terminator);
        client = c;
        session.addMessageHandler(PongMessage.class, pong -> c.heard());
        session.addMessageHandler(String.class, text -> c.heard());
        if (protocol == Protocol.V1) {
            session.addMessageHandler(byte[].class, bytes -> c.heard());
            fanout.openV1(c);
        } else {
            session.addMessageHandler(byte[].class, (MessageHandler.Whole<byte[]>) bytes -> {
                c.heard();
                V2Codec.decode(bytes).ifPresent(r -> fanout.handle(c, r));
            });
            fanout.openV2(c);
        }
    }

    @Override
    public void onClose(Session session, CloseReason reason) {
        Client c = client;
        if (c != null) {
            client = null;
            fanout.close(c);
            c.discard();
        }
    }

    @Override
    public void onError(Session session, Throwable error) {
        LOG.debug("WebSocket error on {}: {}", protocol.label(), error.toString());
    }

    private static void closeQuietly(Session session) {
        try {
            session.close();
        } catch (java.io.IOException e) {
            LOG.debug("close failed", e);
        }
    }
}
