package dev.btclock.server.ws;

import java.nio.ByteBuffer;

/**
 * A device connection as the {@link Fanout} sees it, whatever engine serves it: the native engine's
 * own sessions, or a Jakarta WebSocket session (see {@code dev.btclock.server.jakarta}).
 *
 * <p>A frame is a complete server frame as RFC 6455 §5.2 puts it on the wire (unmasked, FIN set,
 * never fragmented; see {@link WsFrames}): an engine that writes its own frames sends these bytes
 * as they are, one whose library frames messages sends {@link WsFrames#payload} of them with the
 * frame's opcode ({@link WsFrames#isText}).
 *
 * <p>Implementations are called from any thread, often with the fan-out's lock held: they must
 * never block, never call back into the fan-out on the calling thread, and must keep the order of
 * the frames they accept.
 */
public interface Recipient {

    /** The protocol this connection speaks (fixed by its path). */
    Protocol protocol();

    /**
     * Sends one frame, or drops it when the connection is closing, dead, or has too many frames
     * waiting (an engine closes such a connection and counts it). Never blocks.
     *
     * @param frame the frame's bytes; never modified, shared by every recipient of a broadcast
     * @param view  a buffer that only the calling thread uses, holding exactly {@code frame}'s bytes
     *              (position 0 to its limit), which a socket may be written from; or null
     * @return whether the frame was accepted
     */
    boolean deliver(byte[] frame, ByteBuffer view);

    /** What kind of client this is, as its upgrade request said ({@link ClientKind#OTHER} when unknown). */
    default ClientKind client() {
        return ClientKind.OTHER;
    }
}
