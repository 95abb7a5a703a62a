package dev.btclock.server.ws;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The server side of the RFC 6455 opening handshake, as bytes: the {@code 101} response the TS
 * server sent (PROTOCOL.md §2.1, header order included) and the two refusals RFC 6455 §4.2.2
 * prescribes. Pure functions; thread-safe.
 *
 * <p>The key comes in as the header's bytes and the response is written straight into one array:
 * at thousands of connects per second the strings and builders of a text-based version were a
 * sixth of the garbage of a connect.
 */
final class Handshake {

    private static final byte[] WS_GUID = ascii("258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    /** One SHA-1 per thread: {@code MessageDigest.getInstance} is a provider lookup per call. */
    private static final ThreadLocal<MessageDigest> SHA1 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every Java platform", e);
        }
    });

    private static final byte[] ACCEPTED_HEAD = ascii("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Accept: ");
    private static final byte[] PROTOCOL_HEADER = ascii("\r\nSec-WebSocket-Protocol: ");
    private static final byte[] HEAD_END = ascii("\r\n\r\n");
    /** Base64 of a 20-byte SHA-1 digest. */
    private static final int ACCEPT_LENGTH = 28;

    /** {@code 400}: an upgrade without a {@code Sec-WebSocket-Key}. */
    static final byte[] BAD_REQUEST = ascii("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    /** {@code 426}: a WebSocket version other than 13, naming the one this server speaks (RFC 6455 §4.4). */
    static final byte[] VERSION_REQUIRED = ascii("HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n"
            + "Connection: close\r\nContent-Length: 0\r\n\r\n");

    private Handshake() {
    }

    /** Whether {@code key} (the {@code Sec-WebSocket-Key} header's bytes) is empty or all white space. */
    static boolean isBlank(byte[] key) {
        return trimmedStart(key) == key.length;
    }

    /**
     * The {@code 101} response to a request with {@code key} ({@code Sec-WebSocket-Key}'s bytes,
     * surrounding white space ignored, not blank) that offered {@code subprotocols}
     * ({@code Sec-WebSocket-Protocol}, may be null): the first offered subprotocol is echoed,
     * whatever it is, as the {@code ws} library did. No extension is ever accepted (no
     * permessage-deflate).
     */
    static byte[] accepted(byte[] key, String subprotocols) {
        String first = firstSubprotocol(subprotocols);
        byte[] protocol = first == null ? null : ascii(first);
        int length = ACCEPTED_HEAD.length + ACCEPT_LENGTH + HEAD_END.length
                + (protocol == null ? 0 : PROTOCOL_HEADER.length + protocol.length);
        byte[] response = new byte[length];
        int at = put(ACCEPTED_HEAD, response, 0);
        at = put(accept(key), response, at);
        if (protocol != null) {
            at = put(PROTOCOL_HEADER, response, at);
            at = put(protocol, response, at);
        }
        put(HEAD_END, response, at);
        return response;
    }

    /** RFC 6455 §4.2.2: base64(SHA-1(key + GUID)), of the key without surrounding white space. */
    private static byte[] accept(byte[] key) {
        MessageDigest sha1 = SHA1.get();
        sha1.reset();
        int from = trimmedStart(key);
        sha1.update(key, from, trimmedEnd(key, from) - from);
        sha1.update(WS_GUID);
        return Base64.getEncoder().encode(sha1.digest());
    }

    private static int put(byte[] part, byte[] into, int at) {
        System.arraycopy(part, 0, into, at, part.length);
        return at + part.length;
    }

    /** As {@link String#trim()}: white space is every byte up to {@code ' '}. */
    private static int trimmedStart(byte[] b) {
        int i = 0;
        while (i < b.length && (b[i] & 0xff) <= ' ') {
            i++;
        }
        return i;
    }

    /** The end of {@code b} without trailing white space, not before {@code start}. */
    private static int trimmedEnd(byte[] b, int start) {
        int i = b.length;
        while (i > start && (b[i - 1] & 0xff) <= ' ') {
            i--;
        }
        return i;
    }

    private static String firstSubprotocol(String offered) {
        if (offered == null) {
            return null;
        }
        int comma = offered.indexOf(',');
        String first = (comma < 0 ? offered : offered.substring(0, comma)).trim();
        return first.isEmpty() ? null : first;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
