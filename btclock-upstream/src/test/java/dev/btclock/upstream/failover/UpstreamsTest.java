package dev.btclock.upstream.failover;

import dev.btclock.core.config.ConfigException;
import dev.btclock.core.event.Event;
import dev.btclock.core.plugin.ProviderLookup;
import dev.btclock.upstream.spi.DataKind;
import dev.btclock.upstream.spi.DriverConfig;
import dev.btclock.upstream.spi.DriverHealth;
import dev.btclock.upstream.spi.Drivers;
import dev.btclock.upstream.spi.UpstreamDriver;
import dev.btclock.upstream.spi.UpstreamDriverProvider;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@code PRICE_SOURCE=exchanges} and its settings, with idle stand-in drivers (nothing connects). */
class UpstreamsTest {

    private static UpstreamDriverProvider provider(String name, Set<DataKind> kinds) {
        return new UpstreamDriverProvider() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public UpstreamDriver create(DriverConfig config) {
                return new UpstreamDriver() {
                    @Override
                    public String name() {
                        return name;
                    }

                    @Override
                    public Set<DataKind> kinds() {
                        return kinds;
                    }

                    @Override
                    public void start(Consumer<Event> sink) {
                    }

                    @Override
                    public DriverHealth health() {
                        return new DriverHealth(false, null, "idle");
                    }

                    @Override
                    public void close() {
                    }
                };
            }
        };
    }

    private static final ProviderLookup<UpstreamDriverProvider> DRIVERS = Drivers.of(List.of(
            provider("mempool-ws", EnumSet.allOf(DataKind.class)),
            provider("bitcoind-rpc", EnumSet.of(DataKind.BLOCK, DataKind.FEE)),
            provider("kraken", EnumSet.of(DataKind.PRICE)),
            provider("coinbase", EnumSet.of(DataKind.PRICE))));

    private static UpstreamSupervisor supervisor(String... pairs) {
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return Upstreams.supervisor(env, DRIVERS, Clock.systemUTC());
    }

    private static List<String> problems(String... pairs) {
        return assertThrows(ConfigException.class, () -> supervisor(pairs)).problems();
    }

    @Test
    void exchanges_runsEveryNamedSourceOnce_sharingThePrimaryMempoolInstance() {
        try (UpstreamSupervisor s = supervisor("PRICE_SOURCE", "exchanges", "PRICE_SOURCES", "kraken, coinbase,mempool-ws")) {
            assertEquals(List.of("kraken", "coinbase", "mempool-ws"), s.drivers().stream().map(UpstreamDriver::name).toList());
            assertEquals(List.of("kraken", "coinbase", "mempool-ws"), s.prices().sources());
            assertEquals(java.time.Duration.ofSeconds(600), s.prices().window("mempool-ws"));
            assertEquals(java.time.Duration.ofSeconds(60), s.prices().window("kraken"));
        }
    }

    @Test
    void otherPriceSources_haveNoMedian() {
        try (UpstreamSupervisor s = supervisor()) {
            assertNull(s.prices());
        }
    }

    @Test
    void badPriceSettings_areNamedEachWithItsSetting() {
        assertEquals(List.of("PRICE_SOURCE must be auto, mempool, none or exchanges, got \"exchange\""),
                problems("PRICE_SOURCE", "exchange"));
        assertEquals(List.of("unknown upstream driver \"krakn\" (PRICE_SOURCES); available: bitcoind-rpc, coinbase, kraken, mempool-ws",
                        "PRICE_SOURCES bitcoind-rpc provides no prices"),
                problems("PRICE_SOURCE", "exchanges", "PRICE_SOURCES", "krakn,bitcoind-rpc"));
        assertEquals(List.of("UPSTREAM kraken provides no blocks (a price source: name it in PRICE_SOURCES with PRICE_SOURCE=exchanges)"),
                problems("UPSTREAM", "kraken"));
        assertEquals(List.of("PRICE_SOURCES names no price source (PRICE_SOURCE=exchanges needs at least one)"),
                problems("PRICE_SOURCE", "exchanges", "PRICE_SOURCES", " , "));
        assertEquals(List.of("PRICE_SOURCES names a source twice: kraken,coinbase,kraken"),
                problems("PRICE_SOURCE", "exchanges", "PRICE_SOURCES", "kraken,coinbase,kraken"));
        assertEquals(List.of("PRICE_FRESH_SECONDS must be between 20 and 3600, got 1",
                        "PRICE_OUTLIER_PERCENT must be a percentage above 0 and at most 50, got \"2%\""),
                problems("PRICE_SOURCE", "exchanges", "PRICE_SOURCES", "kraken", "PRICE_OUTLIER_PERCENT", "2%",
                        "PRICE_FRESH_SECONDS", "1"));
    }
}
