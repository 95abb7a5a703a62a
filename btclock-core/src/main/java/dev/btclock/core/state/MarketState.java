package dev.btclock.core.state;

import dev.btclock.core.event.BlockUpdate;
import dev.btclock.core.event.Event;
import dev.btclock.core.event.FeeUpdate;
import dev.btclock.core.event.PriceUpdate;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The latest price, block and fee, with the rounding and dedup rules of the wire protocol
 * (docs/protocol.md §2.5 and its deliberate changes):
 *
 * <ul>
 *   <li>price: {@code Math.round} of the upstream value; emitted only when it differs from the last
 *       emitted value of that currency by more than 2 units (the first value always passes);
 *       values {@code <= 0} (mempool's "unknown") and codes that are not three upper-case letters
 *       are ignored;</li>
 *   <li>block: every new (height, hash) is a change, lower heights included (reorgs); a repeat
 *       of the current tip is not, and neither is the same height with an unknown ({@code null})
 *       hash on either side, which cannot tell a reorg apart;</li>
 *   <li>fee: {@code x >= 10 ? Math.round(x) : Math.round(x * 100) / 100}; a change only when the
 *       result differs from the stored fee. The first fee is stored rounded, and the memory of the
 *       last rounded fee starts from it, so the first change after start never repeats the value
 *       that connecting clients already got.</li>
 * </ul>
 *
 * <p>Thread safety: {@link #apply} is synchronized (one writer at a time); {@link #snapshot} is a
 * volatile read and can be called from any thread without blocking.
 */
public final class MarketState {

    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
    private static final long PRICE_THRESHOLD = 2;

    private final Map<String, Long> prices = new LinkedHashMap<>();
    /** Per currency, the latest {@code at} of a price accepted for it, changed or not. */
    private final Map<String, java.time.Instant> priceTimes = new java.util.concurrent.ConcurrentHashMap<>();
    private long height = -1;
    private String hash;
    private double fee = Double.NaN;
    private long lastRoundedFee;
    private volatile Snapshot snapshot = Snapshot.EMPTY;

    /** Creates an empty state. */
    public MarketState() {
    }

    /**
     * Applies one upstream event.
     *
     * @return what changed, or empty when the event changes nothing devices would see
     */
    public synchronized Optional<Change> apply(Event event) {
        Objects.requireNonNull(event, "event");
        Change change = null;
        if (event instanceof PriceUpdate p) {
            change = applyPrice(p);
        } else if (event instanceof BlockUpdate b) {
            change = applyBlock(b);
        } else if (event instanceof FeeUpdate f) {
            change = applyFee(f);
        }
        if (change != null) {
            snapshot = new Snapshot(orderedPrices(), height, hash, fee);
        }
        return Optional.ofNullable(change);
    }

    /** The latest values; never blocks. */
    public Snapshot snapshot() {
        return snapshot;
    }

    /** Whether {@code code} is a currency code this state accepts: exactly three upper-case ASCII letters. */
    public static boolean isCurrencyCode(String code) {
        return code != null && CURRENCY.matcher(code).matches();
    }

    /**
     * The fee rounding of docs/protocol.md §2.5, with JavaScript {@code Math.round} semantics:
     * integers from 10 up, two decimals below.
     */
    public static double roundFee(double x) {
        return x >= 10 ? Math.round(x) : Math.round(x * 100) / 100.0;
    }

    /**
     * Per currency, when its price was last confirmed: the latest {@code at} of a price accepted for
     * it, whether or not it changed what devices see (a value within the change threshold confirms
     * the current one). A copy; never blocks.
     */
    public Map<String, java.time.Instant> priceTimes() {
        return Map.copyOf(priceTimes);
    }

    private Change applyPrice(PriceUpdate p) {
        if (!isCurrencyCode(p.currency()) || !(p.price() > 0) || Double.isInfinite(p.price())) {
            return null;
        }
        priceTimes.merge(p.currency(), p.at(), (a, b) -> b.isAfter(a) ? b : a);
        long rounded = Math.round(p.price());
        Long last = prices.get(p.currency());
        long lastEmitted = last == null ? 0 : last;
        if (rounded == lastEmitted || Math.abs(rounded - lastEmitted) <= PRICE_THRESHOLD) {
            return null;
        }
        prices.put(p.currency(), rounded);
        return new Change.Price(p.currency(), rounded);
    }

    private Change applyBlock(BlockUpdate b) {
        if (b.height() < 0) {
            return null;
        }
        if (b.height() == height && (b.hash() == null || hash == null || b.hash().equals(hash))) {
            if (hash == null && b.hash() != null) {
                hash = b.hash();
                snapshot = new Snapshot(orderedPrices(), height, hash, fee);
            }
            return null;
        }
        height = b.height();
        hash = b.hash();
        return new Change.Block(height, hash);
    }

    private Change applyFee(FeeUpdate f) {
        double x = f.medianFee();
        if (!(x >= 0) || Double.isInfinite(x)) {
            return null;
        }
        double candidate = roundFee(x);
        if (candidate == fee) {
            return null;
        }
        boolean first = Double.isNaN(fee);
        fee = candidate;
        long rounded = Math.round(candidate);
        boolean roundedChanged = first || rounded != lastRoundedFee;
        lastRoundedFee = rounded;
        return new Change.Fee(candidate, rounded, roundedChanged);
    }

    private Map<String, Long> orderedPrices() {
        Map<String, Long> ordered = new LinkedHashMap<>();
        Long usd = prices.get("USD");
        if (usd != null) {
            ordered.put("USD", usd);
        }
        ordered.putAll(prices);
        return ordered;
    }
}
