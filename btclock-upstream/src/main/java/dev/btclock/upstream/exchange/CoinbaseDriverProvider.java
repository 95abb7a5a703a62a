package dev.btclock.upstream.exchange;

import dev.btclock.upstream.spi.DriverConfig;
import dev.btclock.upstream.spi.UpstreamDriver;
import dev.btclock.upstream.spi.UpstreamDriverProvider;

import java.time.Duration;

/**
 * Provides the {@code coinbase} price driver (docs/upstreams.md §4.5). Settings:
 * {@code COINBASE_URL} (default {@code wss://advanced-trade-ws.coinbase.com}), {@code COINBASE_CURRENCIES}
 * (default {@code USD,EUR,GBP}, read as {@code BTC-USD}, ...); ping after 5 s of quiet, reconnect after 10 s, unless {@code EXCHANGE_SILENCE_SECONDS} sets the silence window of every
 * exchange (the ping then goes out at half of it); {@code EXCHANGE_TIMEOUT_SECONDS} (connect timeout,
 * default 10).
 */
public final class CoinbaseDriverProvider implements UpstreamDriverProvider {

    /** The name users put in {@code UPSTREAM}. */
    public static final String NAME = "coinbase";

    /** Creates the provider; does nothing else. */
    public CoinbaseDriverProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public UpstreamDriver create(DriverConfig config) {
        ExchangeSettings settings = ExchangeSettings.read(config, "COINBASE", "wss://advanced-trade-ws.coinbase.com", "USD,EUR,GBP",
                c -> "BTC-" + c, Duration.ofSeconds(5), Duration.ofSeconds(10));
        return new CoinbaseDriver(settings, config.clock());
    }
}
