package dev.btclock.core.state;

import dev.btclock.core.event.BlockUpdate;
import dev.btclock.core.event.FeeUpdate;
import dev.btclock.core.event.PriceUpdate;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MarketStateTest {

    private static final Instant T = Instant.parse("2026-11-23T00:00:00Z");
    private final MarketState state = new MarketState();

    private Optional<Change> fee(double x) {
        return state.apply(new FeeUpdate(x, T, "test"));
    }

    private Optional<Change> price(String ccy, double p) {
        return state.apply(new PriceUpdate(ccy, p, T, "test"));
    }

    @Test
    void feeTrace_followsProtocolE2_withRoundedStartAndSeededMemory() {
        assertEquals(Optional.of(new Change.Fee(13, 13, true)), fee(12.5));
        assertEquals(Optional.empty(), fee(12.5));
        assertEquals(Optional.empty(), fee(12.7));
        assertEquals(Optional.empty(), fee(13.4));
        assertEquals(Optional.of(new Change.Fee(12, 12, true)), fee(12.49));
        assertEquals(Optional.empty(), fee(12));
        assertEquals(Optional.of(new Change.Fee(9.88, 10, true)), fee(9.876));
        assertEquals(Optional.empty(), fee(9.8751));
        assertEquals(Optional.of(new Change.Fee(9.87, 10, false)), fee(9.874));
        assertEquals(Optional.of(new Change.Fee(10, 10, false)), fee(10.2));
        assertEquals(Optional.of(new Change.Fee(9.99, 10, false)), fee(9.99));
        assertEquals(Optional.of(new Change.Fee(10, 10, false)), fee(9.996));
        assertEquals(Optional.of(new Change.Fee(1, 1, true)), fee(1.005));
        assertEquals(Optional.of(new Change.Fee(1.01, 1, false)), fee(1.015));
        assertEquals(Optional.of(new Change.Fee(2.68, 3, true)), fee(2.675));
        assertEquals(Optional.of(new Change.Fee(0.5, 1, true)), fee(0.5));
        assertEquals(Optional.of(new Change.Fee(11, 11, true)), fee(10.5));
        assertEquals(11.0, state.snapshot().fee());
    }

    @Test
    void feeRounding_isJavaScriptMathRound_notHalfEven() {
        assertEquals(13.0, MarketState.roundFee(12.5));
        assertEquals(1.0, MarketState.roundFee(1.005));
        assertEquals(1.01, MarketState.roundFee(1.015));
        assertEquals(9.99, MarketState.roundFee(9.995));
        assertEquals(0.5, MarketState.roundFee(0.5));
    }

    @Test
    void invalidFees_areIgnored() {
        assertTrue(fee(Double.NaN).isEmpty());
        assertTrue(fee(-1).isEmpty());
        assertTrue(fee(Double.POSITIVE_INFINITY).isEmpty());
        assertTrue(state.snapshot().medianFee().isEmpty());
        assertEquals(Optional.of(new Change.Fee(0, 0, true)), fee(0));
    }

    @Test
    void priceTrace_followsProtocolE1_dedupAboveTwoUnits() {
        List<Long> emitted = new ArrayList<>();
        for (double tick : new double[] {64211.53, 64212.4, 64213.9, 64215.2, 64211.53, 64210.49}) {
            price("USD", tick).ifPresent(c -> emitted.add(((Change.Price) c).price()));
        }
        assertEquals(List.of(64212L, 64215L, 64212L), emitted);
    }

    @Test
    void prices_unknownOrInvalidAreIgnored() {
        assertTrue(price("USD", -1).isEmpty());
        assertTrue(price("USD", 0).isEmpty());
        assertTrue(price("time", 1755012300).isEmpty());
        assertTrue(price("usd", 5000).isEmpty());
        assertTrue(price("USDT", 5000).isEmpty());
        assertTrue(state.snapshot().prices().isEmpty());
    }

    @Test
    void prices_firstValueAlwaysPasses_evenTiny() {
        assertEquals(Optional.of(new Change.Price("XAU", 3)), price("XAU", 3));
    }

    @Test
    void snapshotPrices_putUsdFirstThenFirstSeenOrder() {
        price("EUR", 59200);
        price("CHF", 55000);
        price("USD", 64212);
        price("EUR", 59300);
        assertEquals(List.of("USD", "EUR", "CHF"), List.copyOf(state.snapshot().prices().keySet()));
        assertEquals(Map.of("USD", 64212L, "EUR", 59300L, "CHF", 55000L), state.snapshot().prices());
    }

    @Test
    void blocks_newTipAndReorgAreChanges_exactRepeatIsNot() {
        assertEquals(Optional.of(new Change.Block(870123, "aa")), state.apply(new BlockUpdate(870123, "aa", T, "t")));
        assertTrue(state.apply(new BlockUpdate(870123, "aa", T, "t")).isEmpty());
        assertEquals(Optional.of(new Change.Block(870123, "bb")), state.apply(new BlockUpdate(870123, "bb", T, "t")));
        assertEquals(Optional.of(new Change.Block(870122, "cc")), state.apply(new BlockUpdate(870122, "cc", T, "t")));
        assertEquals(870122, state.snapshot().height());
    }

    @Test
    void blocks_sameHeightWithUnknownHash_isNotAChange() {
        assertTrue(state.apply(new BlockUpdate(870123, null, T, "rest")).isPresent());
        assertTrue(state.apply(new BlockUpdate(870123, "aa", T, "ws")).isEmpty());
        assertEquals("aa", state.snapshot().hash());
        assertTrue(state.apply(new BlockUpdate(870123, null, T, "rest")).isEmpty());
        assertTrue(state.apply(new BlockUpdate(870124, null, T, "rest")).isPresent());
    }

    @Test
    void priceTimes_recordTheLatestAcceptedTime_evenWithinTheThreshold_neverGoingBack() {
        state.apply(new PriceUpdate("USD", 100_000, T, "test"));
        state.apply(new PriceUpdate("USD", 100_001, T.plusSeconds(5), "test"));
        state.apply(new PriceUpdate("USD", 100_000, T.plusSeconds(2), "snapshot"));
        state.apply(new PriceUpdate("EUR", -1, T.plusSeconds(9), "test"));

        assertEquals(Map.of("USD", T.plusSeconds(5)), state.priceTimes(), "a confirmation within 2 units counts; -1 does not");
    }
}
