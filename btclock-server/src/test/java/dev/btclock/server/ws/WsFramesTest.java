package dev.btclock.server.ws;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class WsFramesTest {

    @Test
    void closeReply_echoesAValidCode_sendsNoStatusForNone_and1002ForAnInvalidOne() {
        assertArrayEquals(new byte[] {(byte) 0x88, 2, 0x03, (byte) 0xe8}, WsFrames.closeReply(new byte[] {0x03, (byte) 0xe8, 'b', 'y', 'e'}));
        assertArrayEquals(new byte[] {(byte) 0x88, 2, 0x0f, (byte) 0xa0}, WsFrames.closeReply(new byte[] {0x0f, (byte) 0xa0})); // 4000
        assertArrayEquals(new byte[] {(byte) 0x88, 0}, WsFrames.closeReply(new byte[0]));
        byte[] protocolError = {(byte) 0x88, 2, 0x03, (byte) 0xea};
        assertArrayEquals(protocolError, WsFrames.closeReply(new byte[] {0x03}));                 // a lone byte
        assertArrayEquals(protocolError, WsFrames.closeReply(new byte[] {0x03, (byte) 0xed}));    // 1005 is never sent
        assertArrayEquals(protocolError, WsFrames.closeReply(new byte[] {0x07, (byte) 0xd0}));    // 2000: reserved
        assertArrayEquals(protocolError, WsFrames.closeReply(new byte[] {0x03, (byte) 0xe7}));    // 999
    }

    @Test
    void pong_echoesThePingsPayload() {
        assertArrayEquals(new byte[] {(byte) 0x8A, 3, 1, 2, 3}, WsFrames.pong(new byte[] {1, 2, 3}));
        assertArrayEquals(new byte[] {(byte) 0x8A, 0}, WsFrames.pong(new byte[0]));
    }
}
