package dev.btclock.core.plugin;

import dev.btclock.core.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ProviderLookupTest {

    interface Named {
        String name();
    }

    record One(String name) implements Named { }

    record Two(String name) implements Named { }

    private static ProviderLookup<Named> lookup(Named... providers) {
        return ProviderLookup.of(List.of(providers), "upstream driver", "UPSTREAM", Named::name);
    }

    @Test
    void find_returnsTheNamedProvider() {
        Named mempool = new One("mempool-ws");
        assertSame(mempool, lookup(new One("bitcoind-rpc"), mempool).find("mempool-ws"));
    }

    @Test
    void unknownName_listsEveryAvailableName() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> lookup(new One("mempool-ws"), new One("bitcoind-zmq"), new One("bitcoind-rpc")).find("mempol"));
        assertEquals("unknown upstream driver \"mempol\" (UPSTREAM); available: bitcoind-rpc, bitcoind-zmq, mempool-ws",
                e.getMessage());
    }

    @Test
    void duplicateName_namesBothClasses() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> lookup(new One("mempool-ws"), new Two("mempool-ws")).find("mempool-ws"));
        assertEquals("two upstream drivers are named \"mempool-ws\" (UPSTREAM): "
                + One.class.getName() + ", " + Two.class.getName(), e.getMessage());
    }

    @Test
    void noProviders_saysNone() {
        ConfigException e = assertThrows(ConfigException.class, () -> lookup().find("x"));
        assertEquals("unknown upstream driver \"x\" (UPSTREAM); available: (none)", e.getMessage());
    }
}
