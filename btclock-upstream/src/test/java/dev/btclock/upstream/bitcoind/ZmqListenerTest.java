package dev.btclock.upstream.bitcoind;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ZmqListenerTest {

    private final List<String> calls = new ArrayList<>();
    private final ZmqListener listener = new ZmqListener("test", List.of("tcp://127.0.0.1:1"), new ZmqListener.Handler() {
        @Override
        public void block() {
            calls.add("block");
        }

        @Override
        public void mempool() {
            calls.add("mempool");
        }

        @Override
        public void resync(String why) {
            calls.add("resync: " + why);
        }
    });

    private static byte[] le(long n) {
        return new byte[] {(byte) n, (byte) (n >> 8), (byte) (n >> 16), (byte) (n >> 24)};
    }

    private static byte[] sequence(char label) {
        byte[] b = new byte[label == 'A' || label == 'R' ? 41 : 33];
        b[32] = (byte) label;
        return b;
    }

    @Test
    void countersPerTopic_detectGapsAndRestarts() {
        listener.handle("hashblock", new byte[32], le(41));
        listener.handle("sequence", sequence('A'), le(7));
        listener.handle("hashblock", new byte[32], le(42));
        listener.handle("sequence", sequence('C'), le(8));
        listener.handle("sequence", sequence('R'), le(11));
        listener.handle("hashblock", new byte[32], le(0));
        assertEquals(List.of("block", "mempool", "block", "block",
                "resync: lost sequence messages (counter 8 → 11)",
                "resync: bitcoind restarted (hashblock counter back to 0)"), calls);
    }

    @Test
    void counterWrapsAround_andMalformedMessagesAreSkipped() {
        listener.handle("hashblock", new byte[32], le(0xffffffffL));
        listener.handle("hashblock", new byte[32], le(0));
        listener.handle("hashblock", new byte[31], le(1));
        listener.handle("sequence", new byte[40], le(5));
        listener.handle("hashblock", new byte[32], new byte[3]);
        listener.handle("hashblock", null, null);
        assertEquals(List.of("block", "block"), calls);
    }
}
