import dev.btclock.upstream.bitcoind.BitcoindRpcDriverProvider;
import dev.btclock.upstream.bitcoind.BitcoindZmqDriverProvider;
import dev.btclock.upstream.exchange.BinanceDriverProvider;
import dev.btclock.upstream.exchange.BitfinexDriverProvider;
import dev.btclock.upstream.exchange.CoinbaseDriverProvider;
import dev.btclock.upstream.exchange.KrakenDriverProvider;
import dev.btclock.upstream.mempool.MempoolWsDriverProvider;
import dev.btclock.upstream.spi.UpstreamDriverProvider;

/**
 * Upstream drivers that turn a data source into {@link dev.btclock.core.event.Event}s: the driver
 * SPI ({@code dev.btclock.upstream.spi}) and the failover supervisor
 * ({@code dev.btclock.upstream.failover}) are the API; the {@code mempool-ws}, {@code bitcoind-rpc}
 * and {@code bitcoind-zmq} drivers and the exchange price drivers ({@code kraken}, {@code coinbase},
 * {@code bitfinex}, {@code binance}) are only provided as services, found by name through
 * {@link dev.btclock.upstream.spi.Drivers} like any third-party driver.
 */
module dev.btclock.upstream {
    requires transitive dev.btclock.core;
    requires com.google.gson;
    requires java.net.http;
    requires org.slf4j;
    requires org.zeromq.jeromq;

    exports dev.btclock.upstream.spi;
    exports dev.btclock.upstream.failover;
    exports dev.btclock.upstream.price;

    uses UpstreamDriverProvider;
    provides UpstreamDriverProvider with MempoolWsDriverProvider, BitcoindRpcDriverProvider,
            BitcoindZmqDriverProvider, KrakenDriverProvider, CoinbaseDriverProvider, BitfinexDriverProvider,
            BinanceDriverProvider;
}
