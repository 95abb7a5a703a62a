package dev.btclock.upstream.contract;

import dev.btclock.core.event.BlockUpdate;
import dev.btclock.core.event.Event;
import dev.btclock.core.event.FeeUpdate;
import dev.btclock.upstream.spi.DataKind;
import dev.btclock.upstream.spi.DriverHealth;
import dev.btclock.upstream.spi.UpstreamDriver;

import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The kit applied to a driver without a network: only the base contract, by design. Its tests for
 * malformed data and outages do not exist for this class, so nothing is skipped or failed.
 */
class ConstantDriverContractTest implements UpstreamDriverContract<ConstantDriverContractTest.Fixture> {

    @Override
    public Fixture fixture() {
        return new Fixture();
    }

    static final class Fixture implements DriverFixture {
        @Override
        public UpstreamDriver newDriver() {
            return new ConstantDriver();
        }

        @Override
        public boolean cannedDataSeen(List<Event> events) {
            return events.stream().anyMatch(e -> e instanceof BlockUpdate b && b.height() == 840_000)
                    && events.stream().anyMatch(e -> e instanceof FeeUpdate f && f.medianFee() == 4.0);
        }

        @Override
        public void close() {
        }
    }

    /** Block and fee once, from a thread of its own; no prices. */
    static final class ConstantDriver implements UpstreamDriver {
        private Thread thread;
        private volatile boolean closed;
        private volatile Instant last;

        @Override
        public String name() {
            return "constant";
        }

        @Override
        public Set<DataKind> kinds() {
            return EnumSet.of(DataKind.BLOCK, DataKind.FEE);
        }

        @Override
        public synchronized void start(Consumer<Event> sink) {
            if (thread != null) {
                throw new IllegalStateException("started twice");
            }
            thread = new Thread(() -> {
                Instant now = Instant.now();
                sink.accept(new BlockUpdate(840_000, null, now, name()));
                sink.accept(new FeeUpdate(4.0, now, name()));
                last = now;
            }, "constant-driver");
            thread.start();
        }

        @Override
        public DriverHealth health() {
            return new DriverHealth(!closed && last != null, last, "constant");
        }

        @Override
        public void close() {
            closed = true;
            Thread t;
            synchronized (this) {
                t = thread;
            }
            if (t != null) {
                try {
                    t.join(5000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
