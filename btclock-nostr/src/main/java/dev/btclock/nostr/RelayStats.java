package dev.btclock.nostr;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one relay, kept across its reconnections: events handed to it, their final outcomes
 * (delivered, failed by reason code, superseded by a newer event), re-sends, and NIP-42 AUTH
 * attempts and failures. Thread-safe; read for metrics.
 */
public final class RelayStats {

    private final LongAdder published = new LongAdder();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder superseded = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder authAttempts = new LongAdder();
    private final LongAdder authFailures = new LongAdder();
    private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();

    /** Events handed to this relay (each once, however often it was re-sent). */
    public long published() {
        return published.sum();
    }

    /** Events the relay accepted (including {@code duplicate:}). */
    public long delivered() {
        return delivered.sum();
    }

    /** Events whose retry was dropped because a newer event for the same address was published. */
    public long superseded() {
        return superseded.sum();
    }

    /** Re-sends of an identical signed event (after {@code rate-limited:}, a missing OK or a drop). */
    public long retries() {
        return retries.sum();
    }

    /** AUTH events sent. */
    public long authAttempts() {
        return authAttempts.sum();
    }

    /** AUTH events refused, unanswered or failed. */
    public long authFailures() {
        return authFailures.sum();
    }

    /** Events that finally failed, by reason code ({@link RelayClient.Result#code()}), sorted. */
    public Map<String, Long> failures() {
        Map<String, Long> m = new TreeMap<>();
        failures.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    void publishedOne() {
        published.increment();
    }

    void retried() {
        retries.increment();
    }

    void authAttempted() {
        authAttempts.increment();
    }

    void authFailed() {
        authFailures.increment();
    }

    void finished(RelayClient.Result r) {
        switch (r.outcome()) {
            case DELIVERED -> delivered.increment();
            case SUPERSEDED -> superseded.increment();
            default -> failures.computeIfAbsent(r.code(), k -> new LongAdder()).increment();
        }
    }
}
