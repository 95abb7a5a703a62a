package dev.btclock.server.ws;

import dev.btclock.server.http.HeaderLists;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The server side of the RFC 6455 opening handshake, as bytes: the {@code 101} response the TS
 * server sent (docs/protocol.md §2.1, header order included) and the two refusals RFC 6455 §4.2.2
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

    /** {@code 400}: a WebSocket handshake that RFC 6455 §4.2.1 does not allow (the reason is not echoed). */
    static final byte[] BAD_REQUEST = ascii("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    /** {@code 426}: a WebSocket version other than 13, naming the one this server speaks (RFC 6455 §4.4). */
    static final byte[] VERSION_REQUIRED = ascii("HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n"
            + "Connection: close\r\nContent-Length: 0\r\n\r\n");

    private Handshake() {
    }

    /**
     * Whether {@code key} (the {@code Sec-WebSocket-Key} header's bytes, surrounding white space
     * ignored) is the base64 of 16 bytes, as RFC 6455 §4.2.1 requires: 22 base64 characters and
     * {@code ==}.
     */
    static boolean isValidKey(byte[] key) {
        int from = trimmedStart(key);
        int to = trimmedEnd(key, from);
        if (to - from != 24 || key[to - 1] != '=' || key[to - 2] != '=') {
            return false;
        }
        for (int i = from; i < to - 2; i++) {
            int c = key[i];
            boolean base64 = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/';
            if (!base64) {
                return false;
            }
        }
        return true;
    }

    /**
     * The {@code 101} response to a request with {@code key} ({@code Sec-WebSocket-Key}'s bytes,
     * surrounding white space ignored, {@linkplain #isValidKey valid}) that offered
     * {@code subprotocol} first (a {@linkplain #firstSubprotocol checked} token, or null): the
     * subprotocol is echoed, whatever it is, as the {@code ws} library did. No extension is ever
     * accepted (no permessage-deflate).
     */
    static byte[] accepted(byte[] key, String subprotocol) {
        byte[] protocol = subprotocol == null ? null : ascii(subprotocol);
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

    /**
     * Whether a {@code Sec-WebSocket-Protocol} value is absent, blank, or a comma-separated list of
     * tokens (RFC 6455 §4.1, RFC 9110 §5.6.2). Anything else (a CR, a quote, an empty element) gets
     * 400, as the {@code ws} library answered it, and is never echoed.
     */
    static boolean isValidSubprotocolList(String offered) {
        if (offered == null || stripOws(offered).isEmpty()) {
            return true;
        }
        for (String element : offered.split(",", -1)) {
            if (!HeaderLists.isToken(stripOws(element))) {
                return false;
            }
        }
        return true;
    }

    /** The first subprotocol of a {@linkplain #isValidSubprotocolList valid} list, or null when none is offered. */
    static String firstSubprotocol(String offered) {
        if (offered == null) {
            return null;
        }
        int comma = offered.indexOf(',');
        String first = stripOws(comma < 0 ? offered : offered.substring(0, comma));
        return first.isEmpty() ? null : first;
    }

    /** Without the optional white space (space and tab only) around a list element. */
    private static String stripOws(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && (s.charAt(from) == ' ' || s.charAt(from) == '\t')) {
            from++;
        }
        while (to > from && (s.charAt(to - 1) == ' ' || s.charAt(to - 1) == '\t')) {
            to--;
        }
        return s.substring(from, to);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
