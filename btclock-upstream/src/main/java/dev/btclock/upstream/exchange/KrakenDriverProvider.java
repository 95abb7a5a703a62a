package dev.btclock.upstream.exchange;

import dev.btclock.upstream.spi.DriverConfig;
import dev.btclock.upstream.spi.UpstreamDriver;
import dev.btclock.upstream.spi.UpstreamDriverProvider;

import java.time.Duration;

/**
 * Provides the {@code kraken} price driver (docs/upstreams.md §4.5). Settings:
 * {@code KRAKEN_URL} (default {@code wss://ws.kraken.com/v2}), {@code KRAKEN_CURRENCIES} (default
 * {@code USD,EUR,GBP,CAD,CHF,AUD,JPY}, read as {@code BTC/USD}, ...); ping after 5 s of quiet, reconnect
 * after 10 s, unless {@code EXCHANGE_SILENCE_SECONDS} sets the silence window of every
 * exchange (the ping then goes out at half of it); {@code EXCHANGE_TIMEOUT_SECONDS} (connect timeout,
 * default 10).
 */
public final class KrakenDriverProvider implements UpstreamDriverProvider {

    /** The name users put in {@code UPSTREAM}. */
    public static final String NAME = "kraken";

    /** Creates the provider; does nothing else. */
    public KrakenDriverProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public UpstreamDriver create(DriverConfig config) {
        ExchangeSettings settings = ExchangeSettings.read(config, "KRAKEN", "wss://ws.kraken.com/v2", "USD,EUR,GBP,CAD,CHF,AUD,JPY",
                c -> "BTC/" + c, Duration.ofSeconds(5), Duration.ofSeconds(10));
        return new KrakenDriver(settings, config.clock());
    }
}
