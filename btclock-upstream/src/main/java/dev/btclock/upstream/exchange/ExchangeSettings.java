package dev.btclock.upstream.exchange;

import dev.btclock.core.config.Settings;
import dev.btclock.core.state.MarketState;
import dev.btclock.upstream.spi.DriverConfig;

import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The settings of one exchange driver (docs/upstreams.md §4.5): {@code <PREFIX>_URL},
 * {@code <PREFIX>_CURRENCIES}, and the two shared by every exchange, {@code EXCHANGE_SILENCE_SECONDS}
 * (overrides the exchange's own silence window; the ping then goes out at half of it) and
 * {@code EXCHANGE_TIMEOUT_SECONDS} (connect timeout, default 10).
 *
 * @param uri       the WebSocket endpoint
 * @param pairs     currency code to the exchange's pair name, in the configured order
 * @param pingAfter quiet time after which the exchange's ping is sent
 * @param silence   quiet time after which the connection is dropped and made again
 * @param timeout   connect timeout
 */
record ExchangeSettings(URI uri, Map<String, String> pairs, Duration pingAfter, Duration silence, Duration timeout) {

    /** Shared by every exchange: the silence window in whole seconds. */
    static final String SILENCE = "EXCHANGE_SILENCE_SECONDS";
    /** Shared by every exchange: the connect timeout in whole seconds. */
    static final String TIMEOUT = "EXCHANGE_TIMEOUT_SECONDS";

    ExchangeSettings {
        pairs = Collections.unmodifiableMap(new LinkedHashMap<>(pairs));
    }

    /**
     * Reads and validates the settings of the exchange whose settings start with {@code prefix}.
     *
     * @param symbol    the exchange's pair name for a currency code
     * @param pingAfter the exchange's own ping delay, used unless {@code EXCHANGE_SILENCE_SECONDS} is set
     * @param silence   the exchange's own silence window, used unless {@code EXCHANGE_SILENCE_SECONDS} is set
     * @throws dev.btclock.core.config.ConfigException listing every bad setting
     */
    static ExchangeSettings read(DriverConfig config, String prefix, String defaultUrl, String defaultCurrencies,
                                 UnaryOperator<String> symbol, Duration pingAfter, Duration silence) {
        Settings s = new Settings(config.settings());
        URI uri = s.uri(prefix + "_URL", defaultUrl, "ws", "wss");
        Map<String, String> pairs = pairs(s, prefix + "_CURRENCIES", defaultCurrencies, symbol);
        int override = s.integer(SILENCE, 0, 1, 3600);
        Duration timeout = s.seconds(TIMEOUT, Duration.ofSeconds(10), 1, 300);
        s.check();
        if (override > 0) {
            silence = Duration.ofSeconds(override);
            pingAfter = silence.dividedBy(2);
        }
        return new ExchangeSettings(uri, pairs, pingAfter, silence, timeout);
    }

    private static Map<String, String> pairs(Settings s, String name, String fallback, UnaryOperator<String> symbol) {
        String value = s.string(name, fallback);
        Map<String, String> pairs = new LinkedHashMap<>();
        for (String item : value.split(",", -1)) {
            String code = item.trim().toUpperCase(Locale.ROOT);
            if (!MarketState.isCurrencyCode(code)) {
                s.problem(name, "must list three-letter currency codes separated by commas, got \"" + value + "\"");
                return Map.of();
            }
            pairs.put(code, symbol.apply(code));
        }
        return pairs;
    }
}
