package dev.btclock.server.ws;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WsFramesTest {

    @Test
    void closeReply_echoesTheCode_withoutTheReason_andNoStatusForNone() {
        assertArrayEquals(new byte[] {(byte) 0x88, 2, 0x03, (byte) 0xe8}, WsFrames.closeReply(new byte[] {0x03, (byte) 0xe8, 'b', 'y', 'e'}));
        assertArrayEquals(new byte[] {(byte) 0x88, 2, 0x0f, (byte) 0xa0}, WsFrames.closeReply(new byte[] {0x0f, (byte) 0xa0})); // 4000
        assertArrayEquals(new byte[] {(byte) 0x88, 0}, WsFrames.closeReply(new byte[0]));
    }

    @Test
    void onlyRegisteredAndApplicationCloseCodes_mayBeSent() {
        for (int code : new int[] {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999}) {
            assertTrue(WsFrames.isSendableCloseCode(code), Integer.toString(code));
        }
        for (int code : new int[] {0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535}) {
            assertFalse(WsFrames.isSendableCloseCode(code), Integer.toString(code));
        }
    }

    @Test
    void pong_echoesThePingsPayload() {
        assertArrayEquals(new byte[] {(byte) 0x8A, 3, 1, 2, 3}, WsFrames.pong(new byte[] {1, 2, 3}));
        assertArrayEquals(new byte[] {(byte) 0x8A, 0}, WsFrames.pong(new byte[0]));
    }
}
