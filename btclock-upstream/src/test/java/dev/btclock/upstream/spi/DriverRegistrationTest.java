package dev.btclock.upstream.spi;

import dev.btclock.core.ServiceRegistrations;
import dev.btclock.core.config.ConfigException;
import dev.btclock.upstream.mempool.MempoolWsDriverProvider;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DriverRegistrationTest {

    @Test
    void moduleInfoAndServiceFiles_agree() {
        ServiceRegistrations.assertAgree(Path.of(""));
    }

    @Test
    void mempoolWs_isFoundByName() {
        assertInstanceOf(MempoolWsDriverProvider.class, Drivers.installed().find("mempool-ws"));
    }

    @Test
    void unknownDriver_listsAvailable() {
        ConfigException e = assertThrows(ConfigException.class, () -> Drivers.installed().find("mempol"));
        assertEquals("unknown upstream driver \"mempol\" (UPSTREAM); available: binance, bitcoind-rpc, bitcoind-zmq, bitfinex, coinbase, kraken, mempool-ws", e.getMessage());
    }

    @Test
    void badSettings_areAllReported() {
        ConfigException e = assertThrows(ConfigException.class, () -> new MempoolWsDriverProvider()
                .create(DriverConfig.from(Map.of("MEMPOOL_INSTANCE", "ftp://x", "MEMPOOL_PING_SECONDS", "0"))));
        assertEquals(2, e.problems().size());
        assertEquals("MEMPOOL_PING_SECONDS must be between 1 and 3600, got 0", e.problems().get(1));
    }

    @Test
    void bitcoindDrivers_areFoundByName_andNameTheirSettings() {
        assertEquals("bitcoind-rpc", Drivers.installed().find("bitcoind-rpc").name());
        assertEquals("bitcoind-zmq", Drivers.installed().find("bitcoind-zmq").name());
        ConfigException e = assertThrows(ConfigException.class, () -> Drivers.installed().find("bitcoind-zmq")
                .create(DriverConfig.from(Map.of("BITCOIND_RPC", "ftp://x", "BITCOIND_ZMQ", "28332"))));
        String all = String.join("\n", e.problems());
        assertEquals(3, e.problems().size(), all);
        assertEquals(true, all.contains("BITCOIND_RPC") && all.contains("BITCOIND_USER") && all.contains("BITCOIND_ZMQ"), all);
    }
}
