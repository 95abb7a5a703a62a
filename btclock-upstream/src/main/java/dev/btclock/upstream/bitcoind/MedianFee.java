package dev.btclock.upstream.bitcoind;

import java.util.Arrays;

/**
 * mempool's {@code medianFee} statistic of one projected block (docs/upstreams.md §1.7 steps 1–7, the
 * median part): the transactions sorted by effective rate fill the block from the top, empty
 * space sits below the cheapest one, and the statistic is the weight-averaged rate over the
 * middle 10,000 WU of the 4,000,000 WU block. A block that does not reach the band has 0.
 */
final class MedianFee {

    static final long BLOCK_WEIGHT = 4_000_000;
    private static final long BAND_LOW = BLOCK_WEIGHT / 2 - BLOCK_WEIGHT / 800;
    private static final long BAND_HIGH = BLOCK_WEIGHT / 2 + BLOCK_WEIGHT / 800;

    private MedianFee() {
    }

    /**
     * The median fee of a block.
     *
     * @param rates   effective fee rate of each transaction, sat/vB
     * @param weights real (BIP141) weight of each transaction, WU
     * @param count   how many entries of the arrays are used
     */
    static double of(double[] rates, long[] weights, int count) {
        if (count <= 1) {
            return 0;
        }
        Integer[] order = new Integer[count];
        long total = 0;
        for (int i = 0; i < count; i++) {
            order[i] = i;
            total += weights[i];
        }
        Arrays.sort(order, (a, b) -> Double.compare(rates[a], rates[b]));
        long cursor = BLOCK_WEIGHT - total;
        double feeSum = 0;
        long weightSum = 0;
        for (int i = 0; i < count && cursor < BAND_HIGH; i++) {
            int tx = order[i];
            long start = cursor;
            long end = cursor + weights[tx];
            long overlap = Math.min(end, BAND_HIGH) - Math.max(start, BAND_LOW);
            if (overlap > 0) {
                feeSum += rates[tx] * overlap / 4.0;
                weightSum += overlap;
            }
            cursor = end;
        }
        return weightSum == 0 ? 0 : feeSum / (weightSum / 4.0);
    }
}
