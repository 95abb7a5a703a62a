package dev.btclock.upstream.bitcoind;

import com.google.gson.stream.JsonReader;
import org.junit.jupiter.api.Test;

import java.io.Reader;
import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A mainnet-sized {@code getrawmempool true} (150,000 entries, parent/child chains) read as a stream. */
class LargeMempoolTest {

    private static final int ENTRIES = 150_000;

    /** Generates the verbose mempool JSON on the fly, so the test itself holds no 60 MB string. */
    private static final class MempoolJson extends Reader {
        private int next = -1;
        private String chunk = "{";
        private int pos;

        @Override
        public int read(char[] buf, int off, int len) {
            if (chunk == null) {
                return -1;
            }
            int n = 0;
            while (n < len && chunk != null) {
                int take = Math.min(len - n, chunk.length() - pos);
                chunk.getChars(pos, pos + take, buf, off + n);
                pos += take;
                n += take;
                if (pos == chunk.length()) {
                    chunk = advance();
                    pos = 0;
                }
            }
            return n;
        }

        private String advance() {
            next++;
            if (next == ENTRIES) {
                return "}";
            }
            if (next > ENTRIES) {
                return null;
            }
            int i = next;
            // Rates 1..100 sat/vB in a cycle; every third transaction spends its predecessor.
            long vsize = 200;
            long fee = vsize * (1 + i % 100);
            String depends = i % 3 == 2 ? "\"" + txid(i - 1) + "\"" : "";
            return (i == 0 ? "" : ",") + "\"" + txid(i) + "\":{\"vsize\":" + vsize + ",\"weight\":" + (vsize * 4 - 3)
                    + ",\"time\":1755012301,\"height\":903411,\"descendantcount\":1,\"descendantsize\":200,"
                    + "\"ancestorcount\":1,\"ancestorsize\":200,\"wtxid\":\"" + txid(i) + "\",\"fees\":{\"base\":"
                    + btc(fee) + ",\"modified\":" + btc(fee) + ",\"ancestor\":" + btc(fee) + ",\"descendant\":" + btc(fee)
                    + "},\"depends\":[" + depends + "],\"spentby\":[],\"bip125-replaceable\":true,\"unbroadcast\":false}";
        }

        private static String txid(int i) {
            return String.format("%016x%048x", 0x9e3779b97f4a7c15L * (i + 1), i);
        }

        private static String btc(long sats) {
            return String.format("0.%08d", sats);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void parsesAndProjects150kEntries_withBoundedAllocation() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        // What generating the text costs on its own, to subtract.
        long start = threads.getThreadAllocatedBytes(tid);
        char[] buf = new char[8192];
        try (Reader r = new MempoolJson()) {
            while (r.read(buf, 0, buf.length) >= 0) {
                // drain
            }
        }
        long generating = threads.getThreadAllocatedBytes(tid) - start;
        long before = threads.getThreadAllocatedBytes(tid);
        Mempool m = Mempool.read(new JsonReader(new MempoolJson()));
        long parsed = threads.getThreadAllocatedBytes(tid) - before - generating;
        assertEquals(ENTRIES, m.size);
        assertEquals(ENTRIES / 3, java.util.Arrays.stream(m.parents).filter(p -> p.length == 1).count());

        double fee = NextBlock.medianFee(m);
        // 150,000 × 800 WU = 120 MWU: the best block takes the top rates; its middle lies in the 96-97 sat/vB range.
        assertTrue(fee > 90 && fee <= 100, "median fee " + fee);

        // The JSON is ~60 MB of text; reading it must not build anything like a tree of it.
        long perEntry = parsed / ENTRIES;
        assertTrue(perEntry < 2_000, perEntry + " bytes allocated per entry while parsing");
    }
}
