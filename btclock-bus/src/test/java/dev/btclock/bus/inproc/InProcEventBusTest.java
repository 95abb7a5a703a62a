package dev.btclock.bus.inproc;

import dev.btclock.bus.spi.BusConfig;
import dev.btclock.bus.spi.EventBus;
import dev.btclock.bus.contract.EventBusContract;

import java.util.Map;

class InProcEventBusTest extends EventBusContract {

    @Override
    protected EventBus createBus() {
        return new InProcBusProvider().create(BusConfig.from(Map.of()));
    }
}
