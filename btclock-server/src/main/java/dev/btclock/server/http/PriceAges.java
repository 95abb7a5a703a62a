package dev.btclock.server.http;

import dev.btclock.core.state.MarketState;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How old each price this node holds is: the time since its source last confirmed it (the
 * {@code at} of the latest price accepted for the currency, see {@link MarketState#priceTimes}),
 * and which are stale ({@code PRICE_STALE_SECONDS}). What the {@code X-Price-Age} header of
 * {@code /api/lastprice}, {@code /healthz}, the price re-push and the metrics read. Thread-safe;
 * never blocks.
 */
public final class PriceAges {

    /** The response header of {@code /api/lastprice} that carries the ages: {@code USD=3, EUR=3}. */
    public static final String HEADER = "X-Price-Age";

    private final MarketState state;
    private final Clock clock;
    private final Duration stale;

    /** Ages of {@code state}'s prices on {@code clock}; older than {@code stale} is stale. */
    public PriceAges(MarketState state, Clock clock, Duration stale) {
        this.state = state;
        this.clock = clock;
        this.stale = stale;
    }

    /** The stale limit ({@code PRICE_STALE_SECONDS}). */
    public Duration staleAfter() {
        return stale;
    }

    /** Whole seconds since each price was last confirmed, in the order of {@code /api/lastprice} (USD first). */
    public Map<String, Long> seconds() {
        Map<String, Instant> times = state.priceTimes();
        Instant now = clock.instant();
        Map<String, Long> ages = new LinkedHashMap<>();
        for (String currency : state.snapshot().prices().keySet()) {
            Instant at = times.get(currency);
            if (at != null) {
                ages.put(currency, Math.max(0, Duration.between(at, now).toSeconds()));
            }
        }
        return ages;
    }

    /** Whether {@code currency}'s price is older than the stale limit (an unknown currency is not). */
    public boolean isStale(String currency) {
        Instant at = state.priceTimes().get(currency);
        return at != null && at.plus(stale).isBefore(clock.instant());
    }

    /** The currencies whose price is stale (as {@link #isStale} tells), in the order of {@code /api/lastprice}. */
    public List<String> staleCurrencies() {
        Map<String, Instant> times = state.priceTimes();
        Instant limit = clock.instant().minus(stale);
        List<String> list = new ArrayList<>();
        for (String currency : state.snapshot().prices().keySet()) {
            Instant at = times.get(currency);
            if (at != null && at.isBefore(limit)) {
                list.add(currency);
            }
        }
        return list;
    }

    /** The {@value #HEADER} header value: {@code USD=3, EUR=3} (empty without prices). */
    public String header() {
        StringBuilder sb = new StringBuilder();
        seconds().forEach((c, s) -> sb.append(sb.length() == 0 ? "" : ", ").append(c).append('=').append(s));
        return sb.toString();
    }
}
