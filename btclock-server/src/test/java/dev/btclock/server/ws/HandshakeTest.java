package dev.btclock.server.ws;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class HandshakeTest {

    /** RFC 6455 §1.3's example key. */
    private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";

    @Test
    void accept_isTheRfc6455ExampleValue() {
        assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", Handshake.accept(KEY));
    }

    @Test
    void accepted_isTheTsServersResponse_headerForHeader() {
        assertEquals("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", ascii(Handshake.accepted(KEY, null)));
    }

    @Test
    void accepted_echoesTheFirstOfferedSubprotocol_whateverItIs() {
        assertEquals("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: arduino\r\n\r\n",
                ascii(Handshake.accepted(" " + KEY + " ", " arduino , chat")));
        assertArrayEquals(Handshake.accepted(KEY, null), Handshake.accepted(KEY, "  "));
    }

    private static String ascii(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }
}
