package dev.btclock.upstream.failover;

import dev.btclock.core.config.ConfigException;
import dev.btclock.core.config.Settings;
import dev.btclock.core.plugin.ProviderLookup;
import dev.btclock.upstream.price.PriceMedian;
import dev.btclock.upstream.spi.DataKind;
import dev.btclock.upstream.spi.DriverConfig;
import dev.btclock.upstream.spi.UpstreamDriver;
import dev.btclock.upstream.spi.UpstreamDriverProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds the upstream side from settings: {@code UPSTREAM} (primary, default {@code mempool-ws}),
 * {@code UPSTREAM_FALLBACK} (optional secondary), {@code PRICE_SOURCE} and the grace windows
 * {@code FAILOVER_BLOCK_GRACE_SECONDS}, {@code FAILOVER_FEE_GRACE_SECONDS} and
 * {@code FAILOVER_PRICE_GRACE_SECONDS} (defaults: {@link UpstreamSupervisor#defaultGrace()}). This
 * class is the only reader of these settings.
 *
 * <p>{@code PRICE_SOURCE}: {@code auto} (default) adds the {@code mempool-ws} driver for prices
 * only when neither upstream provides prices (a bitcoind primary); {@code mempool} always prefers
 * the {@code mempool-ws} driver's prices; {@code none} runs without an extra price source, and
 * says so when no driver provides prices; {@code exchanges} takes prices from every driver named
 * in {@code PRICE_SOURCES} at once (default {@value #DEFAULT_PRICE_SOURCES}) through a
 * {@link PriceMedian}: quotes count for {@code PRICE_FRESH_SECONDS} (default 60; the mempool
 * instance's for {@code MEMPOOL_PRICE_FRESH_SECONDS}, default 600, as it refreshes its prices
 * every few minutes) and a quote further than {@code PRICE_OUTLIER_PERCENT} (default 2) from the
 * others' median is left out. An instance is shared when the same driver is named twice
 * ({@code UPSTREAM_FALLBACK=mempool-ws} also serves prices; the primary {@code mempool-ws} is also
 * the {@code mempool-ws} price source).
 */
public final class Upstreams {

    private static final Logger LOG = LoggerFactory.getLogger(Upstreams.class);
    private static final String MEMPOOL = "mempool-ws";
    /** The price sources of {@code PRICE_SOURCE=exchanges} unless {@code PRICE_SOURCES} names others. */
    public static final String DEFAULT_PRICE_SOURCES = "kraken,coinbase,bitfinex,binance,mempool-ws";
    /** How often the median publishes an unchanged price again while it is fresh. */
    private static final Duration PRICE_CONFIRM = Duration.ofSeconds(5);
    private static final Map<DataKind, String> GRACE_SETTINGS = new EnumMap<>(Map.of(
            DataKind.BLOCK, "FAILOVER_BLOCK_GRACE_SECONDS",
            DataKind.FEE, "FAILOVER_FEE_GRACE_SECONDS",
            DataKind.PRICE, "FAILOVER_PRICE_GRACE_SECONDS"));

    private Upstreams() {
    }

    /**
     * The supervisor over every driver the settings name.
     *
     * @throws ConfigException listing every bad setting, including the drivers' own
     */
    public static UpstreamSupervisor supervisor(Map<String, String> settings, ProviderLookup<UpstreamDriverProvider> lookup,
                                                Clock clock) {
        Settings s = new Settings(settings);
        String primaryName = s.string("UPSTREAM", MEMPOOL).trim();
        String fallbackName = s.string("UPSTREAM_FALLBACK", "").trim();
        String priceSource = s.string("PRICE_SOURCE", "auto").trim().toLowerCase(Locale.ROOT);
        if (!List.of("auto", "mempool", "none", "exchanges").contains(priceSource)) {
            s.problem("PRICE_SOURCE", "must be auto, mempool, none or exchanges, got \"" + priceSource + "\"");
        }
        boolean exchanges = "exchanges".equals(priceSource);
        List<String> priceSourceNames = names(s.string("PRICE_SOURCES", DEFAULT_PRICE_SOURCES));
        // At least 20 s: a live exchange re-stamps a quiet pair on its heartbeats, every 15 s on Bitfinex.
        Duration fresh = s.seconds("PRICE_FRESH_SECONDS", Duration.ofSeconds(60), 20, 3600);
        Duration mempoolFresh = s.seconds("MEMPOOL_PRICE_FRESH_SECONDS", Duration.ofSeconds(600), 20, 86400);
        double outlier = percent(s, "PRICE_OUTLIER_PERCENT", 2.0);
        if (exchanges && priceSourceNames.isEmpty()) {
            s.problem("PRICE_SOURCES", "names no price source (PRICE_SOURCE=exchanges needs at least one)");
        } else if (exchanges && priceSourceNames.size() != new java.util.HashSet<>(priceSourceNames).size()) {
            s.problem("PRICE_SOURCES", "names a source twice: " + String.join(",", priceSourceNames));
        }
        if (!fallbackName.isEmpty() && fallbackName.equals(primaryName)) {
            s.problem("UPSTREAM_FALLBACK", "must differ from UPSTREAM (" + primaryName + ")");
        }
        Map<DataKind, Duration> grace = new EnumMap<>(DataKind.class);
        Map<DataKind, Duration> defaults = UpstreamSupervisor.defaultGrace();
        GRACE_SETTINGS.forEach((k, setting) -> grace.put(k, s.seconds(setting, defaults.get(k), 1, 3600)));
        List<String> problems = new ArrayList<>();
        try {
            s.check();
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }

        DriverConfig config = new DriverConfig(settings, clock);
        Map<String, UpstreamDriver> created = new LinkedHashMap<>();
        UpstreamDriver primary = create(primaryName, "UPSTREAM", lookup, config, created, problems);
        UpstreamDriver fallback = fallbackName.isEmpty() ? null
                : create(fallbackName, "UPSTREAM_FALLBACK", lookup, config, created, problems);
        for (DataKind k : List.of(DataKind.BLOCK, DataKind.FEE)) {
            if (primary != null && (fallbackName.isEmpty() || fallback != null) && !provides(primary, k) && !provides(fallback, k)) {
                problems.add("UPSTREAM " + primaryName + " provides no " + (k == DataKind.BLOCK ? "blocks" : "fees")
                        + (primary.kinds().equals(java.util.EnumSet.of(DataKind.PRICE))
                        ? " (a price source: name it in PRICE_SOURCES with PRICE_SOURCE=exchanges)" : ""));
                break;
            }
        }
        boolean upstreamPrices = provides(primary, DataKind.PRICE) || provides(fallback, DataKind.PRICE);
        UpstreamDriver prices = null;
        List<UpstreamDriver> priceSources = new ArrayList<>();
        if (exchanges) {
            for (String name : priceSourceNames) {
                UpstreamDriver d = create(name, "PRICE_SOURCES", lookup, config, created, problems);
                if (d != null && !d.kinds().contains(DataKind.PRICE)) {
                    problems.add("PRICE_SOURCES " + name + " provides no prices");
                } else if (d != null) {
                    priceSources.add(d);
                }
            }
        } else if ("mempool".equals(priceSource) || "auto".equals(priceSource) && !upstreamPrices && problems.isEmpty()) {
            prices = create(MEMPOOL, "PRICE_SOURCE", lookup, config, created, problems);
        }
        if (!problems.isEmpty()) {
            created.values().forEach(UpstreamDriver::close);
            throw new ConfigException(List.copyOf(new java.util.LinkedHashSet<>(problems)));
        }

        Map<DataKind, List<UpstreamDriver>> priorities = new EnumMap<>(DataKind.class);
        for (DataKind k : DataKind.values()) {
            List<UpstreamDriver> list = new ArrayList<>();
            if (k == DataKind.PRICE && exchanges) {
                priorities.put(k, priceSources);
                continue;
            }
            if (k == DataKind.PRICE && prices != null) {
                list.add(prices);
            }
            for (UpstreamDriver d : new UpstreamDriver[] {primary, fallback}) {
                if (provides(d, k) && !list.contains(d)) {
                    list.add(d);
                }
            }
            priorities.put(k, list);
        }
        if (exchanges) {
            LOG.info("prices: median of {} (PRICE_SOURCE=exchanges; fresh for {} s, mempool-ws {} s; outliers beyond {} %), "
                    + "blocks and fees from {}", priceSourceNames, fresh.toSeconds(), mempoolFresh.toSeconds(), outlier * 100, primaryName);
            PriceMedian median = new PriceMedian(priceSourceNames, fresh, Map.of(MEMPOOL, mempoolFresh), outlier, PRICE_CONFIRM);
            return new UpstreamSupervisor(priorities, grace, median, clock);
        }
        if (priorities.get(DataKind.PRICE).isEmpty()) {
            LOG.warn("no price source: {} provides no prices and PRICE_SOURCE=none; devices will show no price", primaryName);
        } else if (prices != null && prices != primary && prices != fallback) {
            LOG.info("prices from {} (PRICE_SOURCE={}), blocks and fees from {}", MEMPOOL, priceSource, primaryName);
        }
        return new UpstreamSupervisor(priorities, grace, clock);
    }

    /** The comma-separated names of {@code value}, trimmed, empty ones left out. */
    private static List<String> names(String value) {
        List<String> list = new ArrayList<>();
        for (String n : value.split(",")) {
            if (!n.isBlank()) {
                list.add(n.trim());
            }
        }
        return list;
    }

    /** A percentage setting above 0 and at most 50, as a fraction. */
    private static double percent(Settings s, String name, double fallback) {
        String raw = s.string(name, "").trim();
        if (raw.isEmpty()) {
            return fallback / 100;
        }
        try {
            double v = Double.parseDouble(raw);
            if (v > 0 && v <= 50) {
                return v / 100;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        s.problem(name, "must be a percentage above 0 and at most 50, got \"" + raw + "\"");
        return fallback / 100;
    }

    private static boolean provides(UpstreamDriver d, DataKind k) {
        return d != null && d.kinds().contains(k);
    }

    private static UpstreamDriver create(String name, String setting, ProviderLookup<UpstreamDriverProvider> lookup,
                                         DriverConfig config, Map<String, UpstreamDriver> created, List<String> problems) {
        UpstreamDriver existing = created.get(name);
        if (existing != null) {
            return existing;
        }
        try {
            UpstreamDriver d = lookup.find(name).create(config);
            created.put(name, d);
            return d;
        } catch (ConfigException e) {
            for (String p : e.problems()) {
                problems.add(p.startsWith("unknown") ? p.replace("(UPSTREAM)", "(" + setting + ")") : p);
            }
            return null;
        }
    }
}
