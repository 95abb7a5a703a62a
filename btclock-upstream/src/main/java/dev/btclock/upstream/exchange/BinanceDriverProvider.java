package dev.btclock.upstream.exchange;

import dev.btclock.upstream.spi.DriverConfig;
import dev.btclock.upstream.spi.UpstreamDriver;
import dev.btclock.upstream.spi.UpstreamDriverProvider;

import java.time.Duration;

/**
 * Provides the {@code binance} price driver (docs/upstreams.md §4.5). Settings:
 * {@code BINANCE_URL} (default {@code wss://data-stream.binance.vision}, the market-data-only host),
 * {@code BINANCE_CURRENCIES} (default {@code USD,EUR}, read as {@code BTCUSDT} and {@code BTCEUR}: USD comes
 * from the Tether pair); ping after 15 s of quiet, reconnect after 30 s, unless {@code EXCHANGE_SILENCE_SECONDS} sets the silence window of every
 * exchange (the ping then goes out at half of it); {@code EXCHANGE_TIMEOUT_SECONDS} (connect timeout,
 * default 10).
 */
public final class BinanceDriverProvider implements UpstreamDriverProvider {

    /** The name users put in {@code UPSTREAM}. */
    public static final String NAME = "binance";

    /** Creates the provider; does nothing else. */
    public BinanceDriverProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public UpstreamDriver create(DriverConfig config) {
        ExchangeSettings settings = ExchangeSettings.read(config, "BINANCE", "wss://data-stream.binance.vision", "USD,EUR",
                BinanceDriver::symbol, Duration.ofSeconds(15), Duration.ofSeconds(30));
        return new BinanceDriver(settings, config.clock());
    }
}
