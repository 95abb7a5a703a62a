package dev.btclock.tests;

import dev.btclock.upstream.spi.DriverConfig;
import dev.btclock.upstream.spi.Drivers;
import dev.btclock.upstream.spi.UpstreamDriver;
import dev.btclock.upstream.spi.UpstreamDriverContract;
import org.junit.jupiter.api.Nested;

import java.util.HashMap;
import java.util.Map;

/** The three bundled drivers through the same {@link UpstreamDriverContract}, each against its fake. */
class DriverContractsIT {

    @Nested
    class MempoolWs extends UpstreamDriverContract {
        @Override
        protected Fixture fixture() throws Exception {
            FakeMempoolServer fake = FakeMempoolServer.start();
            fake.tip(FIRST_HEIGHT, FakeBitcoind.hash(FIRST_HEIGHT));
            return new Fixture() {
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
    class BitcoindRpc extends UpstreamDriverContract {
        @Override
        protected Fixture fixture() throws Exception {
            return new BitcoindFixture("bitcoind-rpc");
        }
    }

    @Nested
    class BitcoindZmq extends UpstreamDriverContract {
        @Override
        protected Fixture fixture() throws Exception {
            return new BitcoindFixture("bitcoind-zmq");
        }
    }

    /** FakeBitcoind for both bitcoind drivers; ZMQ notifications are sent too (the RPC driver ignores them). */
    static final class BitcoindFixture implements UpstreamDriverContract.Fixture {
        private final String driver;
        private final FakeBitcoind fake = FakeBitcoind.start();

        BitcoindFixture(String driver) throws java.io.IOException {
            this.driver = driver;
            fake.tip(903412);
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
