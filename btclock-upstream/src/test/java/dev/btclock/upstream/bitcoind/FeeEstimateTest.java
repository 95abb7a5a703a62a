package dev.btclock.upstream.bitcoind;

import com.google.gson.stream.JsonReader;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.StringReader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FeeEstimateTest {

    @Test
    void medianFee_reproducesTheWorkedVectorOfUpstreams17() {
        double[] rates = {10, 5, 2};
        long[] weights = {1_000_000, 1_000_000, 1_996_000};
        assertEquals(3.5, MedianFee.of(rates, weights, 3));
    }

    @Test
    void medianFee_isZeroBelowTheBand_andForOneTransaction() {
        assertEquals(0, MedianFee.of(new double[] {7, 9}, new long[] {1_000_000, 995_000}, 2));
        assertEquals(0, MedianFee.of(new double[] {7}, new long[] {3_000_000}, 1));
        // Exactly 2,000,000 WU: the band's upper half is empty, its lower half is the cheapest transaction.
        assertEquals(7, MedianFee.of(new double[] {7, 9}, new long[] {1_000_000, 1_000_000}, 2));
    }

    @Test
    void nextBlock_takesTheBestPackagesFirst_andStopsAtTheWeightLimit() {
        // Five transactions of 1,000,000 WU (250,000 vB): rates 1..5 sat/vB; four fit with the coinbase reserve? No:
        // 4,000 + 4 × 1,000,000 is not below 4,000,000, so three go in: rates 5, 4, 3.
        long[] w = {1_000_000, 1_000_000, 1_000_000, 1_000_000, 1_000_000};
        long[] vsize = {250_000, 250_000, 250_000, 250_000, 250_000};
        long[] fee = {250_000, 500_000, 750_000, 1_000_000, 1_250_000};
        Mempool m = Mempool.of(w, vsize, fee, new int[][] {{}, {}, {}, {}, {}});
        // Σ = 3,000,000: cursor starts at 1,000,000; the 3 sat/vB tx covers [1M, 2M) → lower half of the band at 3,
        // the 4 sat/vB tx [2M, 3M) → upper half at 4.
        assertEquals(3.5, NextBlock.medianFee(m));
    }

    @Test
    void nextBlock_childPaysForParent() {
        // Parent: 2 sat/vB alone; child makes the package 11.37 sat/vB (docs/upstreams.md §2.2's example); a third,
        // independent transaction pays 5 sat/vB. The package goes first and both its members carry the package rate.
        long[] w = {561, 612, 4_000};
        long[] vsize = {141, 153, 1_000};
        long[] fee = {282, 3_060, 5_000};
        Mempool m = Mempool.of(w, vsize, fee, new int[][] {{}, {0}, {}});
        // Tiny block: nothing reaches the band, as mempool reports for an almost empty block.
        assertEquals(0, NextBlock.medianFee(m));

        // Scale the same shape up so the band is reached: 1,000 parent/child pairs and 1,000 independents.
        int pairs = 1_000;
        int n = pairs * 3;
        long[] bw = new long[n];
        long[] bv = new long[n];
        long[] bf = new long[n];
        int[][] bp = new int[n][];
        for (int i = 0; i < pairs; i++) {
            bw[3 * i] = 561;
            bv[3 * i] = 141;
            bf[3 * i] = 282;
            bp[3 * i] = new int[0];
            bw[3 * i + 1] = 612;
            bv[3 * i + 1] = 153;
            bf[3 * i + 1] = 3_060;
            bp[3 * i + 1] = new int[] {3 * i};
            bw[3 * i + 2] = 4_000;
            bv[3 * i + 2] = 1_000;
            bf[3 * i + 2] = 5_000;
            bp[3 * i + 2] = new int[0];
        }
        // Σ weight = 1,000 × 5,173 = 5,173,000 WU > one block: the packages (11.37) all fit first (1,173,000 WU),
        // then the 5 sat/vB ones until full; the band lies inside the 5 sat/vB ones.
        assertEquals(5.0, NextBlock.medianFee(Mempool.of(bw, bv, bf, bp)), 1e-9);
    }

    @Test
    void mempool_parsesGetrawmempoolVerbose_withExactFees_andDepends() throws IOException {
        String json = """
                {"b5c0c0d3a1000000000000000000000000000000000000000000000000004e":{"vsize":141,"weight":561,"time":1755012301,
                  "height":903411,"descendantcount":2,"descendantsize":294,"ancestorcount":1,"ancestorsize":141,"wtxid":"77aa01",
                  "fees":{"base":0.00000282,"modified":0.00000282,"ancestor":0.00000282,"descendant":0.00003342},
                  "depends":[],"spentby":["c1d2000000000000000000000000000000000000000000000000000000000000"],
                  "bip125-replaceable":true,"unbroadcast":false,"future":{"x":[1,2]}},
                 "c1d2000000000000000000000000000000000000000000000000000000000000":{"vsize":153,"weight":612,
                  "fees":{"base":0.00003060,"modified":0.00003060,"ancestor":0.00003342,"descendant":0.00003060},
                  "depends":["b5c0c0d3a1000000000000000000000000000000000000000000000000004e",
                             "ffff000000000000000000000000000000000000000000000000000000000000"]}}
                """;
        Mempool m = Mempool.read(new JsonReader(new StringReader(json)));
        assertEquals(2, m.size);
        assertEquals(282, m.fee[0]);
        assertEquals(3_060, m.fee[1]);
        assertEquals(612, m.weight[1]);
        assertEquals(612, m.selectionWeight[1]);
        assertEquals(1, m.parents[1].length, "a parent outside the mempool is ignored");
        assertEquals(0, m.parents[1][0]);
        assertEquals(1, m.children[0][0]);
    }

    @Test
    void satoshis_areExact_andFractionsOfASatoshiAreRefused() {
        assertEquals(282, Mempool.satoshis("0.00000282"));
        assertEquals(2_100_000_000_000_000L, Mempool.satoshis("21000000.00000000"));
        assertEquals(1, Mempool.satoshis("1e-8"));
        assertThrows(ArithmeticException.class, () -> Mempool.satoshis("0.000000001"));
    }

    @Test
    void mempool_entryWithoutFees_isRefused() {
        String json = "{\"aa00000000000000\":{\"vsize\":1,\"weight\":4}}";
        assertThrows(IllegalStateException.class, () -> Mempool.read(new JsonReader(new StringReader(json))));
    }
}
