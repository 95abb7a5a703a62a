package dev.btclock.upstream.bitcoind;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The next block as mempool projects it (docs/upstreams.md §1.7, "the template": mempool's
 * approximation of Bitcoin Core's block assembler): packages taken greedily by ancestor score,
 * the score of a transaction's descendants recomputed once its ancestors are in, 4,000 WU
 * reserved for the coinbase, a package fitting only while the block stays strictly below
 * 4,000,000 WU, and the block closed after more than 1,000 consecutive misfits once it is above
 * 3,996,000 WU. Every transaction of a package gets the package's rate as its effective rate;
 * the block's {@link MedianFee} is then what mempool reports as the first projected block's
 * {@code medianFee}.
 */
final class NextBlock {

    private static final long COINBASE_RESERVE = 4_000;
    private static final long NEARLY_FULL = MedianFee.BLOCK_WEIGHT - 4_000;
    private static final int MAX_MISFITS = 1_000;

    private NextBlock() {
    }

    /** The {@code medianFee} of the block the mempool's best packages would make now. */
    static double medianFee(Mempool m) {
        int n = m.size;
        long[] ancFee = new long[n];
        long[] ancWeight = new long[n];
        int[] version = new int[n];
        boolean[] included = new boolean[n];
        PriorityQueue<Candidate> queue = new PriorityQueue<>(Math.max(1, n));
        Visit visit = new Visit(n);
        for (int i = 0; i < n; i++) {
            ancestors(m, i, included, visit);
            sum(m, visit, ancFee, ancWeight, i);
            queue.add(new Candidate(i, score(ancFee[i], ancWeight[i]), 0));
        }

        double[] rates = new double[Math.min(n, 1 << 12)];
        long[] weights = new long[rates.length];
        int count = 0;
        long blockWeight = COINBASE_RESERVE;
        int misfits = 0;
        while (!queue.isEmpty()) {
            Candidate c = queue.poll();
            int tx = c.tx;
            if (included[tx] || c.version != version[tx]) {
                continue;
            }
            if (blockWeight + ancWeight[tx] >= MedianFee.BLOCK_WEIGHT) {
                misfits++;
                if (misfits > MAX_MISFITS && blockWeight > NEARLY_FULL) {
                    break;
                }
                continue;
            }
            misfits = 0;
            double rate = score(ancFee[tx], ancWeight[tx]);
            ancestors(m, tx, included, visit);
            for (int k = 0; k < visit.count; k++) {
                int member = visit.list[k];
                included[member] = true;
                if (count == rates.length) {
                    rates = Arrays.copyOf(rates, count * 2);
                    weights = Arrays.copyOf(weights, count * 2);
                }
                rates[count] = rate;
                weights[count] = m.weight[member];
                count++;
            }
            blockWeight += ancWeight[tx];
            // Descendants of the new members lose those ancestors: rescore them.
            List<Integer> touched = descendants(m, visit, included);
            for (int d : touched) {
                ancestors(m, d, included, visit);
                sum(m, visit, ancFee, ancWeight, d);
                version[d]++;
                queue.add(new Candidate(d, score(ancFee[d], ancWeight[d]), version[d]));
            }
        }
        return MedianFee.of(rates, weights, count);
    }

    private static double score(long fee, long weight) {
        return fee / (weight / 4.0);
    }

    private static void sum(Mempool m, Visit v, long[] ancFee, long[] ancWeight, int tx) {
        long f = 0;
        long w = 0;
        for (int k = 0; k < v.count; k++) {
            f += m.fee[v.list[k]];
            w += m.selectionWeight[v.list[k]];
        }
        ancFee[tx] = f;
        ancWeight[tx] = w;
    }

    /** Fills {@code v} with {@code tx} and its ancestors not yet included. */
    private static void ancestors(Mempool m, int tx, boolean[] included, Visit v) {
        v.start();
        ArrayDeque<Integer> stack = new ArrayDeque<>();
        stack.push(tx);
        v.mark(tx);
        while (!stack.isEmpty()) {
            int t = stack.pop();
            for (int p : m.parents[t]) {
                if (!included[p] && v.mark(p)) {
                    stack.push(p);
                }
            }
        }
    }

    /** Not-included descendants of the members just visited. */
    private static List<Integer> descendants(Mempool m, Visit members, boolean[] included) {
        List<Integer> out = new ArrayList<>();
        ArrayDeque<Integer> stack = new ArrayDeque<>();
        HashSet<Integer> seen = new HashSet<>();
        for (int k = 0; k < members.count; k++) {
            stack.push(members.list[k]);
        }
        while (!stack.isEmpty()) {
            int t = stack.pop();
            for (int c : m.children[t]) {
                if (!included[c] && seen.add(c)) {
                    out.add(c);
                    stack.push(c);
                }
            }
        }
        return out;
    }

    private record Candidate(int tx, double score, int version) implements Comparable<Candidate> {
        @Override
        public int compareTo(Candidate o) {
            return Double.compare(o.score, score);
        }
    }

    /** A reusable visited-set: a stamp per transaction instead of clearing a boolean array. */
    private static final class Visit {
        int[] stamp;
        int current;
        int[] list = new int[16];
        int count;

        Visit(int n) {
            stamp = new int[n];
        }

        void start() {
            current++;
            count = 0;
        }

        boolean mark(int tx) {
            if (stamp[tx] == current) {
                return false;
            }
            stamp[tx] = current;
            if (count == list.length) {
                list = Arrays.copyOf(list, count * 2);
            }
            list[count++] = tx;
            return true;
        }
    }
}
