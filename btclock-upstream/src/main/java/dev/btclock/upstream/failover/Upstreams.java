package dev.btclock.upstream.failover;

import dev.btclock.core.config.ConfigException;
import dev.btclock.core.config.Settings;
import dev.btclock.core.plugin.ProviderLookup;
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
 * says so when no driver provides prices. An instance is shared when the same driver is named
 * twice ({@code UPSTREAM_FALLBACK=mempool-ws} also serves prices).
 */
public final class Upstreams {

    private static final Logger LOG = LoggerFactory.getLogger(Upstreams.class);
    private static final String MEMPOOL = "mempool-ws";
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
        if (!List.of("auto", "mempool", "none").contains(priceSource)) {
            s.problem("PRICE_SOURCE", "must be auto, mempool or none, got \"" + priceSource + "\"");
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
        boolean upstreamPrices = provides(primary, DataKind.PRICE) || provides(fallback, DataKind.PRICE);
        UpstreamDriver prices = null;
        if ("mempool".equals(priceSource) || "auto".equals(priceSource) && !upstreamPrices && problems.isEmpty()) {
            prices = create(MEMPOOL, "PRICE_SOURCE", lookup, config, created, problems);
        }
        if (!problems.isEmpty()) {
            created.values().forEach(UpstreamDriver::close);
            throw new ConfigException(List.copyOf(new java.util.LinkedHashSet<>(problems)));
        }

        Map<DataKind, List<UpstreamDriver>> priorities = new EnumMap<>(DataKind.class);
        for (DataKind k : DataKind.values()) {
            List<UpstreamDriver> list = new ArrayList<>();
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
        if (priorities.get(DataKind.PRICE).isEmpty()) {
            LOG.warn("no price source: {} provides no prices and PRICE_SOURCE=none; devices will show no price", primaryName);
        } else if (prices != null && prices != primary && prices != fallback) {
            LOG.info("prices from {} (PRICE_SOURCE={}), blocks and fees from {}", MEMPOOL, priceSource, primaryName);
        }
        return new UpstreamSupervisor(priorities, grace, clock);
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
