package dev.btclock.bus.inproc;

import dev.btclock.core.event.FeeUpdate;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;

class InProcEventBusLimitsTest {

    @Test
    void subscriberTooFarBehind_dropsAndCounts_insteadOfGrowing() throws Exception {
        try (InProcEventBus bus = new InProcEventBus(4)) {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch firstTaken = new CountDownLatch(1);
            bus.subscribe(e -> {
                firstTaken.countDown();
                try {
                    release.await();
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            });
            bus.publish(new FeeUpdate(0, Instant.EPOCH, "t"));
            firstTaken.await();
            for (int i = 1; i <= 10; i++) {
                bus.publish(new FeeUpdate(i, Instant.EPOCH, "t"));
            }
            assertEquals(6, bus.dropped());
            release.countDown();
        }
    }
}
