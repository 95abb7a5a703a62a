import dev.btclock.upstream.bitcoind.BitcoindRpcDriverProvider;
import dev.btclock.upstream.bitcoind.BitcoindZmqDriverProvider;
import dev.btclock.upstream.mempool.MempoolWsDriverProvider;
import dev.btclock.upstream.spi.UpstreamDriverProvider;

/**
 * Upstream drivers that turn a data source into {@link dev.btclock.core.event.Event}s: the driver
 * SPI, the {@code mempool-ws}, {@code bitcoind-rpc} and {@code bitcoind-zmq} drivers and the failover
 * supervisor. Further drivers are plugins found with {@link java.util.ServiceLoader}.
 */
module dev.btclock.upstream {
    requires transitive dev.btclock.core;
    requires com.google.gson;
    requires java.net.http;
    requires org.slf4j;
    requires org.zeromq.jeromq;

    exports dev.btclock.upstream.spi;
    exports dev.btclock.upstream.mempool;
    exports dev.btclock.upstream.bitcoind;
    exports dev.btclock.upstream.failover;

    uses UpstreamDriverProvider;
    provides UpstreamDriverProvider with MempoolWsDriverProvider, BitcoindRpcDriverProvider,
            BitcoindZmqDriverProvider;
}
