import dev.btclock.bus.inproc.InProcBusProvider;
import dev.btclock.bus.spi.BusProvider;

/**
 * The event bus between upstream drivers and publishers: the SPI and the in-process bus.
 * Further buses are plugins found with {@link java.util.ServiceLoader}.
 */
module dev.btclock.bus {
    requires transitive dev.btclock.core;
    requires org.slf4j;

    exports dev.btclock.bus.spi;
    exports dev.btclock.bus.inproc;

    uses BusProvider;
    provides BusProvider with InProcBusProvider;
}
