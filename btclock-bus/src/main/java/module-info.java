import dev.btclock.bus.inproc.InProcBusProvider;
import dev.btclock.bus.valkey.ValkeyBusProvider;
import dev.btclock.bus.spi.BusProvider;

/**
 * The event bus between upstream drivers and publishers: the SPI, the in-process bus and the
 * {@code valkey} bus (Valkey/Redis Streams, with the fleet's leader lease).
 * Further buses are plugins found with {@link java.util.ServiceLoader}.
 */
module dev.btclock.bus {
    requires transitive dev.btclock.core;
    requires org.slf4j;
    requires redis.clients.jedis;
    requires org.apache.commons.pool2;

    exports dev.btclock.bus.spi;
    exports dev.btclock.bus.inproc;
    exports dev.btclock.bus.valkey;

    uses BusProvider;
    provides BusProvider with InProcBusProvider, ValkeyBusProvider;
}
