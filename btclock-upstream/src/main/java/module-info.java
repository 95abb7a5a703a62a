import dev.btclock.upstream.mempool.MempoolWsDriverProvider;
import dev.btclock.upstream.spi.UpstreamDriverProvider;

/**
 * Upstream drivers that turn a data source into {@link dev.btclock.core.event.Event}s: the driver
 * SPI and the {@code mempool-ws} driver. Further drivers are plugins found with {@link java.util.ServiceLoader}.
 */
module dev.btclock.upstream {
    requires transitive dev.btclock.core;
    requires com.google.gson;
    requires java.net.http;
    requires org.slf4j;

    exports dev.btclock.upstream.spi;
    exports dev.btclock.upstream.mempool;

    uses UpstreamDriverProvider;
    provides UpstreamDriverProvider with MempoolWsDriverProvider;
}
