import dev.btclock.bus.inproc.InProcBusProvider;
import dev.btclock.bus.valkey.ValkeyBusProvider;
import dev.btclock.bus.spi.BusProvider;

/**
 * The event bus between upstream drivers and publishers: the SPI ({@code dev.btclock.bus.spi}) is
 * the API; the in-process bus and the {@code valkey} bus (Valkey/Redis Streams, with the fleet's
 * leader lease) are only provided as services, found by name through
 * {@link dev.btclock.bus.spi.Buses} like any third-party bus.
 */
module dev.btclock.bus {
    requires transitive dev.btclock.core;
    requires org.slf4j;
    requires redis.clients.jedis;
    requires org.apache.commons.pool2;

    exports dev.btclock.bus.spi;

    uses BusProvider;
    provides BusProvider with InProcBusProvider, ValkeyBusProvider;
}
