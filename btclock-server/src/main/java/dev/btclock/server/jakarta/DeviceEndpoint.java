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
        SessionRecipient r = new SessionRecipient(session, protocol, owner, owner.terminatorFor(session),
                owner.clientKindOf(session));
        recipient = r;
        int max = owner.settings().maxMessageBytes();
        session.addMessageHandler(ByteBuffer.class, (MessageHandler.Whole<ByteBuffer>) message -> {
            r.heard();
            if (message.remaining() > max) {
                tooBig(r);
            } else if (protocol == Protocol.V2) {
                byte[] bytes = new byte[message.remaining()];
                message.get(bytes);
                V2Codec.decode(bytes).ifPresent(request -> owner.fanout().request(r, request));
            }
        });
        session.addMessageHandler(String.class, (MessageHandler.Whole<String>) message -> {
            r.heard();
            if (utf8Length(message, max) > max) {
                tooBig(r);
            }
        });
        session.addMessageHandler(PongMessage.class, (MessageHandler.Whole<PongMessage>) pong -> r.heard());
        owner.opened(r);
    }

    /**
     * A message longer than {@code WS_MAX_MESSAGE_BYTES} that the container let through (one
     * frame: containers enforce the session's limit on fragmented messages only, or not at all):
     * closed with 1009, as the native engine does.
     */
    private void tooBig(SessionRecipient r) {
        owner.metrics().protocolError(1009);
        r.finish();
        owner.close(r, jakarta.websocket.CloseReason.CloseCodes.TOO_BIG.getCode(), "");
    }

    /** The UTF-8 length of {@code text}, counted exactly only when it could exceed {@code max}. */
    private static int utf8Length(String text, int max) {
        if (text.length() * 3L <= max) {
            return text.length(); // at most 3 bytes per char: within the limit whatever it holds
        }
        int n = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            n += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
        }
        return n;
    }

    @Override
    public void onClose(Session session, CloseReason closeReason) {
        int code = closeReason.getCloseCode().getCode();
        if (code == CloseReason.CloseCodes.PROTOCOL_ERROR.getCode() || code == CloseReason.CloseCodes.NOT_CONSISTENT.getCode()) {
            owner.metrics().protocolError(code); // the container closed a device that broke the protocol (1002, 1007)
        }
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
