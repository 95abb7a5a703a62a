package dev.btclock.upstream.bitcoind;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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

    /**
     * A connection whose handshake never completes (jeromq can leave a fresh connection
     * unpolled, see {@link ZmqListener#HANDSHAKE_TIMEOUT_MS}; here the peer is simply silent) is
     * dropped after the handshake timeout and made again, well before jeromq's default of 30 s.
     */
    @Test
    void stalledHandshake_isDroppedAndRetried_withinTheHandshakeTimeout() throws IOException {
        int limit = 3 * ZmqListener.HANDSHAKE_TIMEOUT_MS;
        try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            silent.setSoTimeout(limit);
            ZmqListener sub = new ZmqListener("test", List.of("tcp://127.0.0.1:" + silent.getLocalPort()), null);
            sub.start();
            try (Socket first = silent.accept()) {
                first.setSoTimeout(limit);
                InputStream in = first.getInputStream();
                try {
                    while (in.read() >= 0) {
                        // the SUB's greeting; the end comes when its handshake timer fires
                    }
                } catch (SocketTimeoutException e) {
                    fail("the stalled handshake was still open after " + limit + " ms");
                }
                try (Socket second = silent.accept()) {
                    assertTrue(second.isConnected());
                } catch (SocketTimeoutException e) {
                    fail("no new connection within " + limit + " ms of dropping the stalled one");
                }
            } finally {
                sub.close();
            }
        }
    }
}
