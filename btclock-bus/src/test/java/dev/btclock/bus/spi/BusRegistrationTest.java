package dev.btclock.bus.spi;

import dev.btclock.bus.inproc.InProcBusProvider;
import dev.btclock.core.ServiceRegistrations;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

class BusRegistrationTest {

    @Test
    void moduleInfoAndServiceFiles_agree() {
        ServiceRegistrations.assertAgree(Path.of(""));
    }

    @Test
    void inprocAndValkey_areFoundByName() {
        assertInstanceOf(InProcBusProvider.class, Buses.installed().find("inproc"));
        assertInstanceOf(dev.btclock.bus.valkey.ValkeyBusProvider.class, Buses.installed().find("valkey"));
        assertEquals(java.util.List.of("inproc", "valkey"), Buses.installed().names());
    }

    @Test
    void valkey_badSettingsAreNamed() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(dev.btclock.core.config.ConfigException.class,
                () -> Buses.installed().find("valkey").create(BusConfig.from(java.util.Map.of(
                        "BROKER_URL", "http://x", "LEADER_LEASE_SECONDS", "1"))));
        assertEquals(java.util.List.of(
                "BROKER_URL is not host:port or redis://[user:password@]host:port[/db], got \"http://x\"",
                "LEADER_LEASE_SECONDS must be between 3 and 600, got 1"), e.problems());
    }
}
