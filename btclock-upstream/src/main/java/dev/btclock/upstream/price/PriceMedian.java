package dev.btclock.upstream.price;

import dev.btclock.core.event.PriceUpdate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The price per currency from several sources: the median of the sources' fresh quotes.
 *
 * <ul>
 *   <li><b>Fresh</b>: a quote counts while it is younger than its source's window (the
 *       {@code fresh} default, or the source's own entry in {@code windows}); a source that is
 *       {@linkplain #sourceDown down} counts for nothing until it quotes again.</li>
 *   <li><b>Outliers</b>: with three or more fresh quotes, a quote further than
 *       {@code outlierFraction} from their median is left out and the median of the others is
 *       used. Two that disagree by more than that, or quotes with no majority within it, cannot be
 *       told apart: nothing is published for the currency until they agree ({@link #disputed}).
 *       Every time a source is left out of a currency it had been used for (or had just joined),
 *       its outlier count goes up by one.</li>
 *   <li><b>Publishing</b>: {@link #evaluate} returns one {@link PriceUpdate} per currency whose
 *       rounded value changed since it was last published, or whose last publication is older
 *       than {@code confirmEvery} (so that every node can tell a quiet market from a dead feed);
 *       its {@code at} is the evaluation time: when fresh sources last backed the value. A currency without a fresh quote is
 *       not published at all: devices keep their last value, and its age grows.</li>
 * </ul>
 *
 * <p>No thread of its own: the owner calls {@link #offer} for every quote and {@link #evaluate}
 * on its own schedule. Thread-safe (every method is synchronized; none blocks on I/O).
 */
public final class PriceMedian {

    private static final Logger LOG = LoggerFactory.getLogger(PriceMedian.class);

    /** The {@code source} of the prices this class publishes. */
    public static final String SOURCE = "median";

    private final List<String> sources;
    private final Duration fresh;
    private final Map<String, Duration> windows;
    private final double outlierFraction;
    private final Duration confirmEvery;
    /** Per currency (in order of first appearance), per source, the latest quote. */
    private final Map<String, Map<String, PriceUpdate>> quotes = new LinkedHashMap<>();
    private final Map<String, Published> published = new HashMap<>();
    /** Per "source currency", whether it was left out at the last evaluation. */
    private final Map<String, Boolean> excluded = new HashMap<>();
    private final Map<String, Long> outliers = new HashMap<>();
    /** The currencies whose fresh quotes disagree with no majority at the last evaluation. */
    private final java.util.Set<String> disputed = new java.util.LinkedHashSet<>();
    /** The "source currency" quotes their source withdrew (a price {@code <= 0}). */
    private final java.util.Set<String> withdrawn = new java.util.HashSet<>();
    /** Per source found down, when it last was: its quotes from before that do not count. */
    private final Map<String, Instant> downAt = new HashMap<>();

    /**
     * @param sources         the source names, in order of preference (how quotes are listed)
     * @param fresh           how long a quote counts, unless its source has its own window
     * @param windows         per source name, its own freshness window (may be empty)
     * @param outlierFraction how far from the median a quote may be, as a fraction (0.02 = 2 %)
     * @param confirmEvery    how often an unchanged value is published again while it is fresh
     */
    public PriceMedian(List<String> sources, Duration fresh, Map<String, Duration> windows, double outlierFraction,
                       Duration confirmEvery) {
        this.sources = List.copyOf(sources);
        this.fresh = Objects.requireNonNull(fresh, "fresh");
        this.windows = Map.copyOf(windows);
        if (!(outlierFraction > 0)) {
            throw new IllegalArgumentException("outlierFraction must be above 0, got " + outlierFraction);
        }
        this.outlierFraction = outlierFraction;
        this.confirmEvery = Objects.requireNonNull(confirmEvery, "confirmEvery");
    }

    /** The source names, in order of preference. */
    public List<String> sources() {
        return sources;
    }

    /** The freshness window of {@code source}. */
    public Duration window(String source) {
        return windows.getOrDefault(source, fresh);
    }

    /**
     * Takes a source's latest quote (its {@code source} names the source). A price {@code <= 0}
     * or not finite withdraws the source's quote for that currency (mempool's "unknown", or a price
     * driver that lost its connection): it no longer counts until the source quotes again.
     */
    public synchronized void offer(PriceUpdate quote) {
        String key = quote.source() + ' ' + quote.currency();
        if (quote.price() > 0 && Double.isFinite(quote.price())) {
            quotes.computeIfAbsent(quote.currency(), c -> new LinkedHashMap<>()).put(quote.source(), quote);
            withdrawn.remove(key);
        } else if (quotes.containsKey(quote.currency()) && quotes.get(quote.currency()).containsKey(quote.source())) {
            // Still listed by quotes(), unused, with its growing age.
            withdrawn.add(key);
        }
    }

    /**
     * {@code source} is down (disconnected) at {@code now}: none of its quotes up to then counts any
     * more; it counts again from its next quote. Its old quotes stay listed by {@link #quotes}, unused.
     */
    public synchronized void sourceDown(String source, Instant now) {
        downAt.put(source, now);
    }

    /**
     * The prices to publish now (see the class comment), in order of the currencies' first
     * appearance; updates the outlier counts.
     */
    public synchronized List<PriceUpdate> evaluate(Instant now) {
        List<PriceUpdate> out = new ArrayList<>();
        for (Map.Entry<String, Map<String, PriceUpdate>> e : quotes.entrySet()) {
            String currency = e.getKey();
            Result r = aggregate(currency, e.getValue(), now);
            for (PriceUpdate q : e.getValue().values()) {
                String key = q.source() + ' ' + currency;
                boolean left = r != null && r.excluded.contains(q.source());
                Boolean before = excluded.put(key, left);
                if (left && !Boolean.TRUE.equals(before)) {
                    outliers.merge(key, 1L, Long::sum);
                    LOG.warn("prices: {} left out of {}: {} is {} from the other sources ({})", q.source(), currency,
                            q.price(), Double.isNaN(r.price) ? "far" : percentFrom(q.price(), r.price), describe(e.getValue(), now));
                } else if (!left && Boolean.TRUE.equals(before)) {
                    LOG.info("prices: {} agrees again on {} ({})", q.source(), currency, q.price());
                }
            }
            boolean nowDisputed = r != null && r.disputed;
            if (nowDisputed && disputed.add(currency)) {
                LOG.warn("prices: the sources of {} disagree by more than {} % with no majority ({}); {} is not published until they agree",
                        currency, outlierFraction * 100, describe(e.getValue(), now), currency);
            } else if (!nowDisputed && disputed.remove(currency) && r != null) {
                LOG.info("prices: the sources of {} agree again", currency);
            }
            if (r == null || Double.isNaN(r.price)) {
                continue;
            }
            Published last = published.get(currency);
            if (last == null || Math.round(last.price) != Math.round(r.price)
                    || !now.isBefore(last.publishedAt.plus(confirmEvery))) {
                published.put(currency, new Published(r.price, now));
                out.add(new PriceUpdate(currency, r.price, now, SOURCE));
            }
        }
        return out;
    }

    /** Whether some source has a fresh quote for {@code currency} now. */
    public synchronized boolean isFresh(String currency, Instant now) {
        Map<String, PriceUpdate> perSource = quotes.get(currency);
        return perSource != null && perSource.values().stream().anyMatch(q -> isFresh(q, now));
    }

    /**
     * The currencies whose fresh quotes disagreed with no majority at the last evaluation (two
     * quotes further apart than the outlier fraction, say): not published until they agree.
     */
    public synchronized List<String> disputed() {
        return List.copyOf(disputed);
    }

    /** The currencies some source has quoted since start, in order of first appearance. */
    public synchronized List<String> currencies() {
        return List.copyOf(quotes.keySet());
    }

    /**
     * Every source's latest quote per currency, with its age and whether the last evaluation used
     * it (a fresh quote of a disputed currency is not used): what metrics and {@code /healthz/detail} show.
     */
    public synchronized List<SourceQuote> quotes(Instant now) {
        // Currencies in order of first appearance (the map's), each one's sources in order of preference.
        List<SourceQuote> list = new ArrayList<>();
        for (Map.Entry<String, Map<String, PriceUpdate>> e : quotes.entrySet()) {
            int first = list.size();
            for (PriceUpdate q : e.getValue().values()) {
                String key = q.source() + ' ' + e.getKey();
                boolean used = isFresh(q, now) && !Boolean.TRUE.equals(excluded.get(key)) && !disputed.contains(e.getKey());
                list.add(new SourceQuote(q.source(), e.getKey(), q.price(), Duration.between(q.at(), now), used,
                        outliers.getOrDefault(key, 0L)));
            }
            list.subList(first, list.size()).sort(Comparator.comparingInt(q -> rank(q.source())));
        }
        return list;
    }

    /** Times {@code source} was left out of {@code currency} as an outlier. */
    public synchronized long outliers(String source, String currency) {
        return outliers.getOrDefault(source + ' ' + currency, 0L);
    }

    private static String percentFrom(double price, double reference) {
        return String.format(java.util.Locale.ROOT, "%+.1f %%", (price - reference) * 100 / reference);
    }

    private String describe(Map<String, PriceUpdate> perSource, Instant now) {
        StringBuilder sb = new StringBuilder();
        for (PriceUpdate q : perSource.values()) {
            if (isFresh(q, now)) {
                sb.append(sb.length() == 0 ? "" : ", ").append(q.source()).append(' ').append(q.price());
            }
        }
        return sb.toString();
    }

    private boolean isFresh(PriceUpdate q, Instant now) {
        Instant down = downAt.get(q.source());
        return !q.at().plus(window(q.source())).isBefore(now) && (down == null || q.at().isAfter(down))
                && !withdrawn.contains(q.source() + ' ' + q.currency());
    }

    private int rank(String source) {
        int i = sources.indexOf(source);
        return i < 0 ? Integer.MAX_VALUE : i;
    }

    /** The median of the fresh quotes with outliers left out, or null when nothing is fresh. */
    private Result aggregate(String currency, Map<String, PriceUpdate> perSource, Instant now) {
        List<PriceUpdate> live = new ArrayList<>();
        for (PriceUpdate q : perSource.values()) {
            if (isFresh(q, now)) {
                live.add(q);
            }
        }
        if (live.isEmpty()) {
            return null;
        }
        live.sort(Comparator.comparingInt(q -> rank(q.source())));
        List<PriceUpdate> kept = new ArrayList<>();
        if (live.size() == 2 && !near(live.get(0).price(), live.get(1).price())) {
            // Neither can outvote the other: nothing trustworthy to publish.
            return new Result(Double.NaN, List.of(), true);
        } else if (live.size() >= 3) {
            double m = median(live);
            for (PriceUpdate q : live) {
                if (near(q.price(), m)) {
                    kept.add(q);
                }
            }
        } else {
            kept.addAll(live);
        }
        if (kept.isEmpty()) {
            // No majority (say two pairs far apart): nothing trustworthy to publish.
            return new Result(Double.NaN, List.of(), true);
        }
        List<String> left = sourcesOf(live);
        left.removeAll(sourcesOf(kept));
        return new Result(median(kept), left, false);
    }

    private boolean near(double price, double reference) {
        return Math.abs(price - reference) <= outlierFraction * reference;
    }

    private static List<String> sourcesOf(List<PriceUpdate> list) {
        List<String> names = new ArrayList<>();
        for (PriceUpdate q : list) {
            names.add(q.source());
        }
        return names;
    }

    private static double median(List<PriceUpdate> list) {
        double[] v = new double[list.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = list.get(i).price();
        }
        java.util.Arrays.sort(v);
        int mid = v.length / 2;
        return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
    }

    /**
     * One source's latest quote for one currency.
     *
     * @param source   the source's name
     * @param currency the currency code
     * @param price    the quoted price
     * @param age      how old the quote is
     * @param used     whether the last evaluation used it (fresh and not an outlier)
     * @param outliers times the source was left out of this currency as an outlier
     */
    public record SourceQuote(String source, String currency, double price, Duration age, boolean used, long outliers) {
    }

    private record Published(double price, Instant publishedAt) {
    }

    /**
     * An evaluation: the value to publish ({@code NaN} when there is none), who was left out, and
     * whether the fresh quotes disagree with no majority.
     */
    private record Result(double price, List<String> excluded, boolean disputed) {
    }
}
