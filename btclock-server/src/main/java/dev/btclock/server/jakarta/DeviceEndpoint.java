package dev.btclock.server.jakarta;

import dev.btclock.core.codec.V2Codec;
import dev.btclock.server.ws.Protocol;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;

/**
 * One device session at one device path: joins the fan-out on open, hands a v2 client's binary
 * messages to it as requests, leaves it on close. Everything else a device sends (v1 messages, v2
 * text, undecodable v2 messages) counts only as a sign of life and is otherwise ignored, as
 * docs/protocol.md §2.2 and §2.3 say. A new instance per session, made by {@link DeviceEndpoints}'
 * configurator; public only because containers call its methods reflectively.
 */
public final class DeviceEndpoint extends Endpoint {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceEndpoint.class);

    private final DeviceEndpoints owner;
    private final Protocol protocol;
    private volatile SessionRecipient recipient;

    DeviceEndpoint(DeviceEndpoints owner, Protocol protocol) {
        this.owner = owner;
        this.protocol = protocol;
    }

    @Override
    public void onOpen(Session session, EndpointConfig config) {
        session.setMaxBinaryMessageBufferSize(owner.settings().maxMessageBytes());
        session.setMaxTextMessageBufferSize(owner.settings().maxMessageBytes());
        session.setMaxIdleTimeout(0); // liveness is the pinger's: the container's idle timer costs a task per message
        SessionRecipient r = new SessionRecipient(session, protocol, owner, owner.terminatorFor(session));
        recipient = r;
        session.addMessageHandler(ByteBuffer.class, (MessageHandler.Whole<ByteBuffer>) message -> {
            r.heard();
            if (protocol == Protocol.V2) {
                byte[] bytes = new byte[message.remaining()];
                message.get(bytes);
                V2Codec.decode(bytes).ifPresent(request -> owner.fanout().request(r, request));
            }
        });
        session.addMessageHandler(String.class, (MessageHandler.Whole<String>) message -> r.heard());
        session.addMessageHandler(PongMessage.class, (MessageHandler.Whole<PongMessage>) pong -> r.heard());
        owner.opened(r);
    }

    @Override
    public void onClose(Session session, CloseReason closeReason) {
        SessionRecipient r = recipient;
        if (r != null) {
            owner.closed(r);
        }
    }

    @Override
    public void onError(Session session, Throwable error) {
        LOG.debug("{} device session error: {}", protocol.label(), error.toString());
    }
}
