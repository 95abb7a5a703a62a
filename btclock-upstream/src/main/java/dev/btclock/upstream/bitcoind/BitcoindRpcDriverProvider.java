package dev.btclock.upstream.bitcoind;

import dev.btclock.core.config.Settings;
import dev.btclock.upstream.spi.DriverConfig;
import dev.btclock.upstream.spi.UpstreamDriver;
import dev.btclock.upstream.spi.UpstreamDriverProvider;

import java.time.Duration;

/**
 * Provides {@code bitcoind-rpc}: polls {@code BITCOIND_RPC} every {@code BITCOIND_POLL_SECONDS}.
 * Settings: {@code BITCOIND_RPC}, {@code BITCOIND_USER} + {@code BITCOIND_PASS} or
 * {@code BITCOIND_COOKIE}, {@code BITCOIND_POLL_SECONDS}, {@code BITCOIND_FEE_SECONDS},
 * {@code BITCOIND_TIMEOUT_SECONDS}.
 */
public final class BitcoindRpcDriverProvider implements UpstreamDriverProvider {

    /** The name users put in {@code UPSTREAM}. */
    public static final String NAME = "bitcoind-rpc";

    /** Creates the provider; does nothing else. */
    public BitcoindRpcDriverProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public UpstreamDriver create(DriverConfig config) {
        BitcoindSettings b = BitcoindSettings.validated(new Settings(config.settings()), Duration.ofSeconds(2));
        return new BitcoindDriver(NAME, rpc(b), b.poll(), b.feeInterval(), config.clock());
    }

    static RpcClient rpc(BitcoindSettings b) {
        return new RpcClient(b.rpc(), b.credentials(), Duration.ofSeconds(5), b.timeout());
    }
}
