package dev.btclock.server.ws;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HandshakeTest {

    /** RFC 6455 §1.3's example key. */
    private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";

    @Test
    void accepted_isTheTsServersResponse_headerForHeader_withTheRfc6455ExampleAccept() {
        assertEquals("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", ascii(Handshake.accepted(bytes(KEY), null)));
    }

    @Test
    void accepted_echoesTheFirstOfferedSubprotocol_whateverItIs() {
        assertEquals("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: arduino\r\n\r\n",
                ascii(Handshake.accepted(bytes(" " + KEY + "\t"), " arduino , chat")));
        assertArrayEquals(Handshake.accepted(bytes(KEY), null), Handshake.accepted(bytes(KEY), "  "));
    }

    @Test
    void aKeyOfWhiteSpaceOnly_isBlank() {
        assertTrue(Handshake.isBlank(bytes("")));
        assertTrue(Handshake.isBlank(bytes(" \t ")));
        assertFalse(Handshake.isBlank(bytes(" x ")));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String ascii(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }
}
