package dev.btclock.core.retry;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Capped exponential backoff with full jitter, for reconnect loops: the n-th delay is uniform in
 * {@code [base·2ⁿ/2, base·2ⁿ]}, capped at {@code max}. Not thread-safe; one per connection loop.
 */
public final class Backoff {

    private final Duration base;
    private final Duration max;
    private int attempt;

    /** A backoff starting near {@code base} and never above {@code max}. */
    public Backoff(Duration base, Duration max) {
        this.base = base;
        this.max = max;
    }

    /** The next delay; each call doubles the ceiling until {@code max}. */
    public Duration next() {
        long ceiling = Math.min(max.toMillis(), base.toMillis() << Math.min(attempt, 20));
        attempt++;
        long half = ceiling / 2;
        return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(ceiling - half + 1));
    }

    /** Back to the first delay, after a connection that worked. */
    public void reset() {
        attempt = 0;
    }
}
