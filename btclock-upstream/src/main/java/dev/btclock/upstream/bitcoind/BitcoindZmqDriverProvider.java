package dev.btclock.upstream.bitcoind;

import dev.btclock.core.config.Settings;
import dev.btclock.upstream.spi.DriverConfig;
import dev.btclock.upstream.spi.UpstreamDriver;
import dev.btclock.upstream.spi.UpstreamDriverProvider;

/**
 * Provides {@code bitcoind-zmq}: listens to {@code BITCOIND_ZMQ} ({@code hashblock},
 * {@code sequence}) and reads over RPC what changed. Settings: those of {@code bitcoind-rpc}
 * plus {@code BITCOIND_ZMQ}; {@code BITCOIND_POLL_SECONDS} is the safety poll (default 5 s).
 */
public final class BitcoindZmqDriverProvider implements UpstreamDriverProvider {

    /** The name users put in {@code UPSTREAM}. */
    public static final String NAME = "bitcoind-zmq";

    /** Creates the provider; does nothing else. */
    public BitcoindZmqDriverProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public UpstreamDriver create(DriverConfig config) {
        BitcoindSettings b = BitcoindSettings.validated(new Settings(config.settings()), BitcoindZmqDriver.SAFETY_POLL);
        return new BitcoindZmqDriver(NAME, BitcoindRpcDriverProvider.rpc(b), b.zmq(), b.poll(), b.feeInterval(),
                config.clock());
    }
}
