package dev.btclock.upstream.exchange;

import dev.btclock.upstream.spi.DriverConfig;
import dev.btclock.upstream.spi.UpstreamDriver;
import dev.btclock.upstream.spi.UpstreamDriverProvider;

import java.time.Duration;

/**
 * Provides the {@code bitfinex} price driver (docs/upstreams.md §4.5). Settings:
 * {@code BITFINEX_URL} (default {@code wss://api-pub.bitfinex.com/ws/2}), {@code BITFINEX_CURRENCIES}
 * (default {@code USD,EUR,GBP,JPY}, read as {@code tBTCUSD}, ...); ping after 20 s of quiet, reconnect
 * after 30 s, unless {@code EXCHANGE_SILENCE_SECONDS} sets the silence window of every
 * exchange (the ping then goes out at half of it); {@code EXCHANGE_TIMEOUT_SECONDS} (connect timeout,
 * default 10).
 */
public final class BitfinexDriverProvider implements UpstreamDriverProvider {

    /** The name users put in {@code UPSTREAM}. */
    public static final String NAME = "bitfinex";

    /** Creates the provider; does nothing else. */
    public BitfinexDriverProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public UpstreamDriver create(DriverConfig config) {
        ExchangeSettings settings = ExchangeSettings.read(config, "BITFINEX", "wss://api-pub.bitfinex.com/ws/2", "USD,EUR,GBP,JPY",
                c -> "tBTC" + c, Duration.ofSeconds(20), Duration.ofSeconds(30));
        return new BitfinexDriver(settings, config.clock());
    }
}
