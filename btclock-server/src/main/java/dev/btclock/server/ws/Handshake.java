package dev.btclock.server.ws;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The server side of the RFC 6455 opening handshake, as bytes: the {@code 101} response the TS
 * server sent (PROTOCOL.md §2.1, header order included) and the two refusals RFC 6455 §4.2.2
 * prescribes. Pure functions; thread-safe.
 */
final class Handshake {

    private static final String WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    /** One SHA-1 per thread: {@code MessageDigest.getInstance} is a provider lookup per call. */
    private static final ThreadLocal<MessageDigest> SHA1 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every Java platform", e);
        }
    });

    /** {@code 400}: an upgrade without a {@code Sec-WebSocket-Key}. */
    static final byte[] BAD_REQUEST = ascii("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    /** {@code 426}: a WebSocket version other than 13, naming the one this server speaks (RFC 6455 §4.4). */
    static final byte[] VERSION_REQUIRED = ascii("HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n"
            + "Connection: close\r\nContent-Length: 0\r\n\r\n");

    private Handshake() {
    }

    /**
     * The {@code 101} response to a request with {@code key} ({@code Sec-WebSocket-Key}) that
     * offered {@code subprotocols} ({@code Sec-WebSocket-Protocol}, may be null): the first
     * offered subprotocol is echoed, whatever it is, as the {@code ws} library did. No extension
     * is ever accepted (no permessage-deflate).
     */
    static byte[] accepted(String key, String subprotocols) {
        StringBuilder head = new StringBuilder(160)
                .append("HTTP/1.1 101 Switching Protocols\r\n")
                .append("Upgrade: websocket\r\n")
                .append("Connection: Upgrade\r\n")
                .append("Sec-WebSocket-Accept: ").append(accept(key.trim())).append("\r\n");
        String first = firstSubprotocol(subprotocols);
        if (first != null) {
            head.append("Sec-WebSocket-Protocol: ").append(first).append("\r\n");
        }
        return ascii(head.append("\r\n").toString());
    }

    /** RFC 6455 §4.2.2: base64(SHA-1(key + GUID)). */
    static String accept(String key) {
        MessageDigest sha1 = SHA1.get();
        sha1.reset();
        return Base64.getEncoder().encodeToString(sha1.digest((key + WS_GUID).getBytes(StandardCharsets.US_ASCII)));
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
