package dev.btclock.upstream.bitcoind;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.Arrays;

/**
 * A snapshot of bitcoind's mempool as read from {@code getrawmempool true}, kept as parallel
 * primitive arrays: what the block template needs and nothing more. Parsed from the JSON stream
 * entry by entry, so a mainnet mempool of hundreds of thousands of transactions costs a few dozen
 * bytes per transaction, never a JSON tree. Transactions are identified inside the snapshot by
 * index; txids are reduced to 64-bit keys only to resolve {@code depends}.
 */
final class Mempool {

    private static final int[] NONE = new int[0];

    int size;
    /** Real BIP141 weight (for the statistic). */
    long[] weight;
    /** Sigop-adjusted virtual size × 4 (for selection). */
    long[] selectionWeight;
    /** Base fee in satoshis. */
    long[] fee;
    /** In-mempool parents, by index. */
    int[][] parents;
    /** In-mempool children, by index. */
    int[][] children;

    private long[] keys;
    private long[][] parentKeys;

    private Mempool(int capacity) {
        weight = new long[capacity];
        selectionWeight = new long[capacity];
        fee = new long[capacity];
        keys = new long[capacity];
        parentKeys = new long[capacity][];
    }

    /** A mempool built in code (tests). */
    static Mempool of(long[] weights, long[] vsizes, long[] feesSat, int[][] parents) {
        Mempool m = new Mempool(weights.length);
        for (int i = 0; i < weights.length; i++) {
            m.add(i, i, weights[i], vsizes[i], feesSat[i], Arrays.stream(parents[i]).asLongStream().toArray());
        }
        m.link();
        return m;
    }

    /**
     * Reads the result of {@code getrawmempool true}: an object keyed by txid.
     *
     * @throws IOException           when the stream fails
     * @throws IllegalStateException when an entry lacks {@code weight}, {@code vsize} or {@code fees.base}
     */
    static Mempool read(JsonReader r) throws IOException {
        Mempool m = new Mempool(1024);
        r.beginObject();
        while (r.hasNext()) {
            long key = key(r.nextName());
            m.readEntry(key, r);
        }
        r.endObject();
        m.link();
        return m;
    }

    private void readEntry(long key, JsonReader r) throws IOException {
        long w = -1;
        long vsize = -1;
        long base = -1;
        long[] deps = null;
        r.beginObject();
        while (r.hasNext()) {
            switch (r.nextName()) {
                case "weight" -> w = r.nextLong();
                case "vsize" -> vsize = r.nextLong();
                case "fees" -> {
                    r.beginObject();
                    while (r.hasNext()) {
                        if (r.nextName().equals("base")) {
                            base = satoshis(r.nextString());
                        } else {
                            r.skipValue();
                        }
                    }
                    r.endObject();
                }
                case "depends" -> {
                    r.beginArray();
                    long[] list = new long[2];
                    int n = 0;
                    while (r.hasNext()) {
                        if (n == list.length) {
                            list = Arrays.copyOf(list, n * 2);
                        }
                        list[n++] = key(r.nextString());
                    }
                    r.endArray();
                    deps = n == 0 ? null : Arrays.copyOf(list, n);
                }
                default -> r.skipValue();
            }
        }
        r.endObject();
        if (w <= 0 || vsize <= 0 || base < 0) {
            throw new IllegalStateException("mempool entry without weight, vsize or fees.base");
        }
        if (size == weight.length) {
            grow();
        }
        add(size, key, w, vsize, base, deps);
    }

    private void add(int i, long key, long w, long vsize, long base, long[] deps) {
        weight[i] = w;
        selectionWeight[i] = vsize * 4;
        fee[i] = base;
        keys[i] = key;
        parentKeys[i] = deps;
        size = Math.max(size, i + 1);
    }

    private void grow() {
        int n = weight.length * 2;
        weight = Arrays.copyOf(weight, n);
        selectionWeight = Arrays.copyOf(selectionWeight, n);
        fee = Arrays.copyOf(fee, n);
        keys = Arrays.copyOf(keys, n);
        parentKeys = Arrays.copyOf(parentKeys, n);
    }

    /** Resolves parent keys to indices and builds the child lists; parents outside the snapshot are ignored. */
    private void link() {
        LongIntMap index = new LongIntMap(size);
        for (int i = 0; i < size; i++) {
            index.put(keys[i], i);
        }
        parents = new int[size][];
        int[] childCount = new int[size];
        for (int i = 0; i < size; i++) {
            long[] pk = parentKeys[i];
            if (pk == null) {
                parents[i] = NONE;
                continue;
            }
            int[] ps = new int[pk.length];
            int n = 0;
            for (long k : pk) {
                int p = index.get(k);
                if (p >= 0 && p != i) {
                    ps[n++] = p;
                    childCount[p]++;
                }
            }
            parents[i] = n == ps.length ? ps : Arrays.copyOf(ps, n);
        }
        children = new int[size][];
        for (int i = 0; i < size; i++) {
            children[i] = childCount[i] == 0 ? NONE : new int[childCount[i]];
            childCount[i] = 0;
        }
        for (int i = 0; i < size; i++) {
            for (int p : parents[i]) {
                children[p][childCount[p]++] = i;
            }
        }
        keys = null;
        parentKeys = null;
    }

    /** The first 16 hex digits of a txid as a key: collisions need 2^32 transactions to become likely. */
    private static long key(String txid) {
        if (txid.length() < 16) {
            throw new IllegalStateException("not a txid: " + txid);
        }
        return Long.parseUnsignedLong(txid, 0, 16, 16);
    }

    /** A JSON BTC amount (8 decimals) as exact satoshis. */
    static long satoshis(String btc) {
        return new BigDecimal(btc).movePointRight(8).longValueExact();
    }

    /** Open addressing from 64-bit keys to indices; -1 when absent. */
    private static final class LongIntMap {
        private final long[] keys;
        private final int[] values;
        private final boolean[] used;
        private final int mask;

        LongIntMap(int expected) {
            int cap = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
            keys = new long[cap];
            values = new int[cap];
            used = new boolean[cap];
            mask = cap - 1;
        }

        void put(long key, int value) {
            int i = slot(key);
            while (used[i] && keys[i] != key) {
                i = (i + 1) & mask;
            }
            used[i] = true;
            keys[i] = key;
            values[i] = value;
        }

        int get(long key) {
            int i = slot(key);
            while (used[i]) {
                if (keys[i] == key) {
                    return values[i];
                }
                i = (i + 1) & mask;
            }
            return -1;
        }

        private int slot(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h >>> 40) & mask;
        }
    }
}
