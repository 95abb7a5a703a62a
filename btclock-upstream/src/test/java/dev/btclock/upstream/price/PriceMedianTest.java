package dev.btclock.upstream.price;

import dev.btclock.core.event.PriceUpdate;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The median's rules on hand-made quotes and instants: freshness, outliers, publishing. */
class PriceMedianTest {

    private static final Instant T0 = Instant.parse("2026-12-04T12:00:00Z");

    private final PriceMedian median = new PriceMedian(List.of("kraken", "coinbase", "bitfinex", "binance", "mempool-ws"),
            Duration.ofSeconds(60), Map.of("mempool-ws", Duration.ofSeconds(600)), 0.02, Duration.ofSeconds(5));

    private void quote(String source, String currency, double price, Instant at) {
        median.offer(new PriceUpdate(currency, price, at, source));
    }

    private static PriceUpdate only(List<PriceUpdate> published) {
        assertEquals(1, published.size(), () -> "published " + published);
        return published.get(0);
    }

    @Test
    void threeSources_publishTheirMedian_stampedWithTheEvaluationTime() {
        quote("kraken", "USD", 100_000, T0);
        quote("coinbase", "USD", 100_050, T0.plusSeconds(2));
        quote("bitfinex", "USD", 99_990, T0.plusSeconds(1));

        PriceUpdate p = only(median.evaluate(T0.plusSeconds(3)));

        assertEquals(new PriceUpdate("USD", 100_000, T0.plusSeconds(3), PriceMedian.SOURCE), p);
    }

    @Test
    void evenCount_publishesTheMeanOfTheMiddleTwo() {
        quote("kraken", "EUR", 90_000, T0);
        quote("coinbase", "EUR", 90_010, T0);
        quote("bitfinex", "EUR", 90_020, T0);
        quote("binance", "EUR", 90_030, T0);

        assertEquals(90_015, only(median.evaluate(T0)).price());
    }

    @Test
    void aSourceTenPercentOff_isLeftOutAndCountedOncePerEpisode() {
        quote("kraken", "USD", 100_000, T0);
        quote("coinbase", "USD", 100_100, T0);
        quote("bitfinex", "USD", 110_000, T0);
        quote("binance", "USD", 100_200, T0);

        assertEquals(100_100, only(median.evaluate(T0)).price());
        median.evaluate(T0.plusSeconds(1));
        assertEquals(1, median.outliers("bitfinex", "USD"));
        assertEquals(0, median.outliers("kraken", "USD"));
        assertFalse(used("bitfinex", "USD", T0.plusSeconds(1)));
        assertTrue(used("kraken", "USD", T0.plusSeconds(1)));

        quote("bitfinex", "USD", 100_150, T0.plusSeconds(2));
        median.evaluate(T0.plusSeconds(2));
        assertTrue(used("bitfinex", "USD", T0.plusSeconds(2)));
        quote("bitfinex", "USD", 90_000, T0.plusSeconds(3));
        median.evaluate(T0.plusSeconds(3));
        assertEquals(2, median.outliers("bitfinex", "USD"), "a second episode counts again");
    }

    @Test
    void staleQuotes_doNotCount_andNothingFreshPublishesNothing() {
        quote("kraken", "USD", 100_000, T0);
        quote("coinbase", "USD", 120_000, T0.minusSeconds(61));

        assertEquals(100_000, only(median.evaluate(T0)).price(), "the stale coinbase quote is not a second opinion");
        assertTrue(median.isFresh("USD", T0.plusSeconds(60)));
        assertFalse(median.isFresh("USD", T0.plusSeconds(61)));
        assertEquals(List.of(), median.evaluate(T0.plusSeconds(61)), "no fresh source: no value, not the last one again");
    }

    @Test
    void mempoolQuotes_countForTheirOwnLongerWindow() {
        quote("mempool-ws", "CHF", 80_000, T0);

        assertEquals(80_000, only(median.evaluate(T0.plusSeconds(599))).price());
        assertEquals(List.of(), median.evaluate(T0.plusSeconds(601)));
    }

    @Test
    void sourceDown_dropsItsQuotesAtOnce_untilItQuotesAgain() {
        quote("kraken", "JPY", 15_000_000, T0);
        median.sourceDown("kraken", T0);

        assertEquals(List.of(), median.evaluate(T0));
        assertFalse(used("kraken", "JPY", T0), "still listed, unused");
        quote("kraken", "JPY", 15_000_100, T0.plusSeconds(1));
        assertEquals(15_000_100, only(median.evaluate(T0.plusSeconds(1))).price());
    }

    @Test
    void twoSourcesThatDisagree_publishNothing_untilTheyAgree() {
        quote("kraken", "GBP", 80_000, T0);
        only(median.evaluate(T0));
        quote("coinbase", "GBP", 80_100, T0.plusSeconds(1));
        quote("kraken", "GBP", 88_000, T0.plusSeconds(1));

        assertEquals(List.of(), median.evaluate(T0.plusSeconds(1)), "10 % apart: neither can outvote the other");
        assertEquals(List.of("GBP"), median.disputed());
        assertEquals(0, median.outliers("kraken", "GBP"), "nobody is known to be the outlier");
        assertFalse(used("kraken", "GBP", T0.plusSeconds(1)) || used("coinbase", "GBP", T0.plusSeconds(1)), "neither is used");

        quote("kraken", "GBP", 80_200, T0.plusSeconds(2));
        assertEquals(80_150, only(median.evaluate(T0.plusSeconds(2))).price());
        assertEquals(List.of(), median.disputed());
    }

    @Test
    void noMajority_amongFour_publishesNothing() {
        quote("kraken", "EUR", 90_000, T0);
        quote("coinbase", "EUR", 90_010, T0);
        quote("bitfinex", "EUR", 99_000, T0);
        quote("binance", "EUR", 99_010, T0);

        assertEquals(List.of(), median.evaluate(T0));
        assertEquals(List.of("EUR"), median.disputed());
    }

    @Test
    void unchangedRoundedValue_isPublishedAgainOnlyAfterTheConfirmInterval() {
        quote("kraken", "USD", 100_000.2, T0);
        only(median.evaluate(T0));
        quote("kraken", "USD", 100_000.4, T0.plusSeconds(1));
        assertEquals(List.of(), median.evaluate(T0.plusSeconds(1)), "same rounded value within 5 s");
        quote("kraken", "USD", 100_001, T0.plusSeconds(2));
        assertEquals(100_001, only(median.evaluate(T0.plusSeconds(2))).price(), "a changed rounded value at once");
        assertEquals(List.of(), median.evaluate(T0.plusSeconds(6)));
        assertEquals(100_001, only(median.evaluate(T0.plusSeconds(7))).price(), "confirmed 5 s after the last");
    }

    @Test
    void unknownPrice_withdrawsThatSourcesQuote() {
        quote("kraken", "CAD", 130_000, T0);
        quote("mempool-ws", "CAD", -1, T0);
        quote("kraken", "CAD", -1, T0);

        assertEquals(List.of(), median.evaluate(T0));
        assertFalse(median.isFresh("CAD", T0));
        assertEquals(List.of("kraken CAD false"), median.quotes(T0).stream()
                .map(q -> q.source() + " " + q.currency() + " " + q.used()).toList(), "still listed, unused; mempool never quoted it");
        quote("kraken", "CAD", 130_100, T0.plusSeconds(1));
        assertEquals(130_100, only(median.evaluate(T0.plusSeconds(1))).price());
    }

    @Test
    void quotes_listEveryCurrencyAndSource_inPreferenceOrder() {
        quote("bitfinex", "USD", 100_000, T0);
        quote("kraken", "USD", 100_010, T0.minusSeconds(90));
        quote("kraken", "EUR", 90_000, T0);
        median.evaluate(T0);

        List<PriceMedian.SourceQuote> q = median.quotes(T0);

        assertEquals(List.of("kraken USD false", "bitfinex USD true", "kraken EUR true"),
                q.stream().map(s -> s.source() + " " + s.currency() + " " + s.used()).toList());
        assertEquals(Duration.ofSeconds(90), q.get(0).age());
    }

    private boolean used(String source, String currency, Instant now) {
        return median.quotes(now).stream().anyMatch(q -> q.source().equals(source) && q.currency().equals(currency) && q.used());
    }
}
