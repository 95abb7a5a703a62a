package dev.btclock.upstream.exchange;

import com.google.gson.JsonPrimitive;
import dev.btclock.core.config.ConfigException;
import dev.btclock.upstream.spi.DataKind;
import dev.btclock.upstream.spi.DriverConfig;
import dev.btclock.upstream.spi.Drivers;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The exchange drivers' settings and the pieces of their reading that need no network. */
class ExchangeDriverTest {

    private static ExchangeDriver create(String name, Map<String, String> settings) {
        return (ExchangeDriver) Drivers.installed().find(name).create(DriverConfig.from(settings));
    }

    @Test
    void defaults_areEachExchangesOwn() {
        ExchangeDriver kraken = create("kraken", Map.of());
        assertEquals(URI.create("wss://ws.kraken.com/v2"), kraken.uri());
        assertEquals(pairs("USD", "BTC/USD", "EUR", "BTC/EUR", "GBP", "BTC/GBP", "CAD", "BTC/CAD", "CHF", "BTC/CHF",
                "AUD", "BTC/AUD", "JPY", "BTC/JPY"), kraken.pairs());
        assertTiming(kraken, 5, 10);

        ExchangeDriver coinbase = create("coinbase", Map.of());
        assertEquals(URI.create("wss://advanced-trade-ws.coinbase.com"), coinbase.uri());
        assertEquals(pairs("USD", "BTC-USD", "EUR", "BTC-EUR", "GBP", "BTC-GBP"), coinbase.pairs());
        assertTiming(coinbase, 5, 10);

        ExchangeDriver bitfinex = create("bitfinex", Map.of());
        assertEquals(URI.create("wss://api-pub.bitfinex.com/ws/2"), bitfinex.uri());
        assertEquals(pairs("USD", "tBTCUSD", "EUR", "tBTCEUR", "GBP", "tBTCGBP", "JPY", "tBTCJPY"), bitfinex.pairs());
        assertTiming(bitfinex, 20, 30);

        ExchangeDriver binance = create("binance", Map.of());
        assertEquals(URI.create("wss://data-stream.binance.vision/stream?streams=btcusdt@ticker/btceur@ticker"), binance.uri());
        assertEquals(pairs("USD", "BTCUSDT", "EUR", "BTCEUR"), binance.pairs());
        assertTiming(binance, 15, 30);

        for (ExchangeDriver d : List.of(kraken, coinbase, bitfinex, binance)) {
            assertEquals(Set.of(DataKind.PRICE), d.kinds());
            assertFalse(d.health().connected());
            assertEquals("not started", d.health().detail());
            assertEquals(Set.of(), d.currencies());
            d.close();
            assertEquals("closed", d.health().detail());
        }
    }

    private static void assertTiming(ExchangeDriver d, int ping, int silence) {
        assertEquals(Duration.ofSeconds(ping), d.pingAfter(), d.name());
        assertEquals(Duration.ofSeconds(silence), d.silence(), d.name());
    }

    @Test
    void exchangeSilenceSeconds_setsEveryExchangesWindow_withThePingAtHalf() {
        for (String name : List.of("kraken", "coinbase", "bitfinex", "binance")) {
            ExchangeDriver d = create(name, Map.of("EXCHANGE_SILENCE_SECONDS", "3"));
            assertEquals(Duration.ofSeconds(3), d.silence(), name);
            assertEquals(Duration.ofMillis(1500), d.pingAfter(), name);
        }
    }

    @Test
    void currencies_areUpperCased_andBinanceReadsUsdFromTether() {
        ExchangeDriver d = create("binance", Map.of("BINANCE_CURRENCIES", " usd , gbp", "BINANCE_URL", "ws://127.0.0.1:9/"));
        assertEquals(pairs("USD", "BTCUSDT", "GBP", "BTCGBP"), d.pairs());
        assertEquals(URI.create("ws://127.0.0.1:9/stream?streams=btcusdt@ticker/btcgbp@ticker"), d.uri());
    }

    @Test
    void badSettings_areAllReported() {
        ConfigException e = assertThrows(ConfigException.class, () -> create("kraken", Map.of("KRAKEN_URL", "https://ws.kraken.com",
                "KRAKEN_CURRENCIES", "USD,EURO", "EXCHANGE_SILENCE_SECONDS", "0", "EXCHANGE_TIMEOUT_SECONDS", "soon")));
        assertEquals(List.of("KRAKEN_URL must use ws or wss, got \"https://ws.kraken.com\"",
                "KRAKEN_CURRENCIES must list three-letter currency codes separated by commas, got \"USD,EURO\"",
                "EXCHANGE_SILENCE_SECONDS must be between 1 and 3600, got 0",
                "EXCHANGE_TIMEOUT_SECONDS must be a whole number, got \"soon\""), e.problems());
    }

    @Test
    void snippet_escapesControlFormatAndSeparatorCharacters_andStaysWithin120Characters() {
        assertEquals("\"a\\u001b[31m\\n\\u0000\\u202eb\\u2028\\\"\\\\\"", ExchangeDriver.snippet("a\u001b[31m\n\u0000\u202eb\u2028\"\\"));
        String cut = ExchangeDriver.snippet("x".repeat(500));
        assertEquals(120, cut.length());
        assertTrue(cut.endsWith("x\u2026\""), cut);
        assertEquals(120, ExchangeDriver.snippet("\u0001".repeat(500)).length());
        assertEquals("\"" + "y".repeat(118) + "\"", ExchangeDriver.snippet("y".repeat(118)));
        assertEquals("\"\\ud800x\"", ExchangeDriver.snippet("\ud800x"));
        assertEquals("\"\ud83d\ude00\"", ExchangeDriver.snippet("\ud83d\ude00"));
    }

    @Test
    void decimalStrings_arePlainDigitsWithAnOptionalFraction() {
        assertEquals(118231.57, ExchangeDriver.decimal(new JsonPrimitive("118231.57"), "p"));
        assertEquals(101455.13, ExchangeDriver.decimal(new JsonPrimitive("101455.13000000"), "p"));
        for (String bad : List.of("NaN", "Infinity", "1e5", "0x1p3", "-5", "+5", "12.5d", "", " 1", "1.", ".5", "1,5")) {
            assertThrows(MalformedFrame.class, () -> ExchangeDriver.decimal(new JsonPrimitive(bad), "p"), bad);
        }
        assertThrows(MalformedFrame.class, () -> ExchangeDriver.decimal(new JsonPrimitive(5), "p"));
        assertThrows(MalformedFrame.class, () -> ExchangeDriver.number(new JsonPrimitive("5"), "p"));
    }

    @Test
    void frames_areParsedStrictly() {
        assertEquals(new JsonPrimitive(1), ExchangeDriver.parse(" 1 "));
        for (String bad : List.of("", " ", "{\"a\":NaN}", "{a:1}", "{\"a\":1} x", "{\"a\":1}{}", "['x']", "{\"a\":\"\u0001\"}",
                "//c\n{}", "[".repeat(300) + "]".repeat(300))) {
            assertThrows(MalformedFrame.class, () -> ExchangeDriver.parse(bad), bad);
        }
    }

    @Test
    void coinbaseErrors_nameProductsAsWholeWords() {
        assertTrue(CoinbaseDriver.mentions("BTC-XYZ is not a valid product", "BTC-XYZ"));
        assertFalse(CoinbaseDriver.mentions("BTC-USDC is not a valid product", "BTC-USD"));
        assertFalse(CoinbaseDriver.mentions("XBTC-USD is not a valid product", "BTC-USD"));
    }

    private static Map<String, String> pairs(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
