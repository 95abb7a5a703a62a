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
    void accepted_echoesTheFirstOfferedSubprotocol() {
        String offered = " arduino , chat";
        assertTrue(Handshake.isValidSubprotocolList(offered));
        assertEquals("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: arduino\r\n\r\n",
                ascii(Handshake.accepted(bytes(" " + KEY + "\t"), Handshake.firstSubprotocol(offered))));
        assertTrue(Handshake.isValidSubprotocolList("  "));
        assertArrayEquals(Handshake.accepted(bytes(KEY), null), Handshake.accepted(bytes(KEY), Handshake.firstSubprotocol("  ")));
    }

    @Test
    void subprotocolsThatAreNotTokens_areInvalid_soNothingOfThemIsEchoed() {
        for (String hostile : new String[] {"a\rSet-Cookie: x=", "a\nX: y", "a b", "\"quoted\"", "a,,b", "a,", ",a", "a;b",
                "caf\u00e9", "a\u0000", "a/b", "x\r\n\r\nHTTP/1.1 200 OK"}) {
            assertFalse(Handshake.isValidSubprotocolList(hostile), hostile);
        }
        assertTrue(Handshake.isValidSubprotocolList("arduino"));
        assertTrue(Handshake.isValidSubprotocolList("v1.btclock, chat\t,x-y_z~"));
    }

    @Test
    void onlyAKeyOf16Base64EncodedBytes_isValid() {
        assertTrue(Handshake.isValidKey(bytes(KEY)));
        assertTrue(Handshake.isValidKey(bytes("  " + KEY + "\t")));
        for (String bad : new String[] {"", "   ", "x", "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZQ=",
                "dGhlIHNhbXBsZSBub25jZQ===", "dGhlIHNhbXBsZSBub25jZSE=", "dGhlIHNhbXBsZSBub25jZSEh",
                "dGhlIHNhbXBsZSBub25j*Q==", "dGhlIHNhbXBsZSBub25jZQ==dGhl", "dGhlIHNhbXBs ZSBub25jZQ="}) {
            assertFalse(Handshake.isValidKey(bytes(bad)), bad);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String ascii(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }
}
