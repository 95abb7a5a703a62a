package dev.btclock.server.ws;

/**
 * Server-to-client WebSocket frames (RFC 6455: unmasked, FIN set, never fragmented), built once
 * and written as the same bytes to every recipient. Public for engines that do not write frames
 * themselves ({@link #payload}, {@link #isText}).
 */
public final class WsFrames {

    /** An empty ping. */
    static final byte[] PING = {(byte) 0x89, 0};

    private WsFrames() {
    }

    /** A text frame (opcode 1) carrying {@code payload}. */
    static byte[] text(byte[] payload) {
        return frame(0x81, payload);
    }

    /** A binary frame (opcode 2) carrying {@code payload}. */
    static byte[] binary(byte[] payload) {
        return frame(0x82, payload);
    }

    /** A close frame with no payload: the client reports 1005 (no status received). */
    static final byte[] CLOSE_NO_STATUS = {(byte) 0x88, 0};

    /** A close frame with a status code and no reason. */
    static byte[] close(int code) {
        return new byte[] {(byte) 0x88, 2, (byte) (code >> 8), (byte) code};
    }

    /** A pong echoing a ping's payload (at most 125 bytes, as the ping's). */
    static byte[] pong(byte[] pingPayload) {
        return frame(0x8A, pingPayload);
    }

    /**
     * The answer to a client's valid close frame (RFC 6455 §5.5.1): its status code echoed, no
     * status when it sent none.
     */
    static byte[] closeReply(byte[] payload) {
        if (payload.length < 2) {
            return CLOSE_NO_STATUS;
        }
        return close(((payload[0] & 0xff) << 8) | (payload[1] & 0xff));
    }

    /** Whether {@code frame} (one built here) is a text frame; otherwise it is binary or a control frame. */
    public static boolean isText(byte[] frame) {
        return (frame[0] & 0x0F) == 0x1;
    }

    /** Where the payload of {@code frame} (one built here, unmasked) starts: after its 2-, 4- or 10-byte header. */
    public static int payloadOffset(byte[] frame) {
        int length = frame[1] & 0x7F;
        return length < 126 ? 2 : length == 126 ? 4 : 10;
    }

    /** A copy of the payload of {@code frame} (one built here). */
    public static byte[] payload(byte[] frame) {
        return java.util.Arrays.copyOfRange(frame, payloadOffset(frame), frame.length);
    }

    /**
     * Whether an endpoint may send {@code code} in a close frame (RFC 6455 §7.4.1 and the IANA
     * registry): 1000–1003, 1007–1014 and the application ranges 3000–4999; never 1004–1006,
     * 1015 (reserved, or meant for reporting only) or anything else.
     */
    static boolean isSendableCloseCode(int code) {
        return code >= 1000 && code <= 1003 || code >= 1007 && code <= 1014 || code >= 3000 && code <= 4999;
    }

    private static byte[] frame(int first, byte[] payload) {
        int n = payload.length;
        int header = n < 126 ? 2 : n <= 0xFFFF ? 4 : 10;
        byte[] f = new byte[header + n];
        f[0] = (byte) first;
        if (n < 126) {
            f[1] = (byte) n;
        } else if (n <= 0xFFFF) {
            f[1] = 126;
            f[2] = (byte) (n >> 8);
            f[3] = (byte) n;
        } else {
            f[1] = 127;
            for (int i = 0; i < 8; i++) {
                f[9 - i] = (byte) ((long) n >> (8 * i));
            }
        }
        System.arraycopy(payload, 0, f, header, n);
        return f;
    }
}
