package dev.btclock.tests;

import dev.btclock.core.event.BlockUpdate;
import dev.btclock.core.event.Event;
import dev.btclock.core.event.FeeUpdate;
import dev.btclock.upstream.contract.BlockFixture;
import dev.btclock.upstream.contract.MalformedDataContract;
import dev.btclock.upstream.contract.MalformedDataFixture;
import dev.btclock.upstream.contract.OutageContract;
import dev.btclock.upstream.contract.OutageFixture;
import dev.btclock.upstream.spi.DriverConfig;
import dev.btclock.upstream.spi.Drivers;
import dev.btclock.upstream.spi.UpstreamDriver;
import org.junit.jupiter.api.Nested;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The three bundled drivers through the same contract kit (every part applies to them), each against its fake. */
class DriverContractsIT {

    /** A networked upstream: it can send bad data and go away. */
    interface NetworkFixture extends MalformedDataFixture, OutageFixture {
        /** The median fee the driver should report for the fixture's canned mempool. */
        double expectedFee();

        @Override
        default boolean cannedDataSeen(List<Event> events) {
            return events.stream().anyMatch(e -> e instanceof BlockUpdate b && b.height() == BlockFixture.FIRST_HEIGHT)
                    && events.stream().anyMatch(e -> e instanceof FeeUpdate f && f.medianFee() == expectedFee());
        }
    }

    @Nested
    class MempoolWs implements MalformedDataContract<NetworkFixture>, OutageContract<NetworkFixture> {
        @Override
        public NetworkFixture fixture() throws Exception {
            FakeMempoolServer fake = FakeMempoolServer.start();
            fake.tip(BlockFixture.FIRST_HEIGHT, FakeBitcoind.hash(BlockFixture.FIRST_HEIGHT));
            return new NetworkFixture() {
                public UpstreamDriver newDriver() {
                    return Drivers.installed().find("mempool-ws").create(DriverConfig.from(Map.of("MEMPOOL_INSTANCE", fake.baseUrl())));
                }

                public void tip(long height) {
                    fake.tip(height, FakeBitcoind.hash(height));
                    fake.pushBlock(height, FakeBitcoind.hash(height), 12.5);
                }

                public double expectedFee() {
                    return 12.5;
                }

                public void sendMalformed() {
                    fake.broadcast("{not json");
                    fake.broadcast("{\"block\":{\"height\":\"soon\"},\"mempool-blocks\":7}");
                }

                public void drop() {
                    fake.stop();
                }

                public void restore() throws Exception {
                    fake.restart();
                }

                public void close() {
                    fake.close();
                }
            };
        }
    }

    @Nested
    class BitcoindRpc implements MalformedDataContract<NetworkFixture>, OutageContract<NetworkFixture> {
        @Override
        public NetworkFixture fixture() throws Exception {
            return new BitcoindFixture("bitcoind-rpc");
        }
    }

    @Nested
    class BitcoindZmq implements MalformedDataContract<NetworkFixture>, OutageContract<NetworkFixture> {
        @Override
        public NetworkFixture fixture() throws Exception {
            return new BitcoindFixture("bitcoind-zmq");
        }
    }

    /** FakeBitcoind for both bitcoind drivers; ZMQ notifications are sent too (the RPC driver ignores them). */
    static final class BitcoindFixture implements NetworkFixture {
        private final String driver;
        private final FakeBitcoind fake = FakeBitcoind.start();

        BitcoindFixture(String driver) throws java.io.IOException {
            this.driver = driver;
            fake.tip(BlockFixture.FIRST_HEIGHT);
        }

        @Override
        public UpstreamDriver newDriver() {
            Map<String, String> settings = new HashMap<>(fake.settings());
            settings.put("BITCOIND_POLL_SECONDS", "1");
            settings.put("BITCOIND_FEE_SECONDS", "1");
            return Drivers.installed().find(driver).create(DriverConfig.from(settings));
        }

        @Override
        public void tip(long height) {
            fake.tip(height);
            fake.publishHashblock();
        }

        @Override
        public double expectedFee() {
            return 3.5;
        }

        @Override
        public void sendMalformed() {
            fake.garbage(2);
            fake.publishRaw("hashblock".getBytes(java.nio.charset.StandardCharsets.US_ASCII), new byte[5]);
        }

        @Override
        public void drop() {
            fake.stop();
        }

        @Override
        public void restore() throws Exception {
            fake.restart();
        }

        @Override
        public void close() {
            fake.close();
        }
    }
}
