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
    void inproc_isFoundByName() {
        assertInstanceOf(InProcBusProvider.class, Buses.installed().find("inproc"));
        assertEquals(java.util.List.of("inproc"), Buses.installed().names());
    }
}
