package dev.btclock.bus.inproc;

import dev.btclock.bus.spi.BusConfig;
import dev.btclock.bus.spi.BusProvider;
import dev.btclock.bus.spi.EventBus;

/** Provides {@link InProcEventBus} as {@code BROKER=inproc}. */
public final class InProcBusProvider implements BusProvider {

    /** Creates the provider; does nothing else. */
    public InProcBusProvider() {
    }

    @Override
    public String name() {
        return "inproc";
    }

    @Override
    public EventBus create(BusConfig config) {
        return new InProcEventBus(InProcEventBus.DEFAULT_CAPACITY);
    }
}
