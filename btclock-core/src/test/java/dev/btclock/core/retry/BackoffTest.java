package dev.btclock.core.retry;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackoffTest {

    @Test
    void backoff_staysWithinCap() {
        Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60));
        for (int i = 0; i < 30; i++) {
            long ms = b.next().toMillis();
            assertEquals(true, ms >= 500 && ms <= 60_000, "delay " + ms);
        }
    }

    @Test
    void reset_startsOverNearTheBase() {
        Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60));
        for (int i = 0; i < 10; i++) {
            b.next();
        }
        b.reset();
        long ms = b.next().toMillis();
        assertTrue(ms >= 500 && ms <= 1000, "delay " + ms);
    }
}
