package dev.btclock.upstream.bitcoind;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * {@code bitcoind-zmq}: the tip and the fee are re-read over RPC when bitcoind's ZMQ says they
 * changed ({@code hashblock}, or any {@code sequence} message, debounced to one fee computation
 * per {@code feeInterval}), with a safety poll of the tip ({@code BITCOIND_POLL_SECONDS}, default 5 s) and of the fee (every
 * minute) in case notifications stop. Every notification counts as contact with the node.
 */
final class BitcoindZmqDriver extends BitcoindDriver {

    /** By default the tip is re-read this often even without notifications. */
    static final Duration SAFETY_POLL = Duration.ofSeconds(5);
    /** Without any notification, the fee is recomputed at least this often. */
    static final Duration STALE_FEE = Duration.ofSeconds(60);

    private final ZmqListener listener;

    BitcoindZmqDriver(String name, RpcClient rpc, List<String> zmq, Duration safetyPoll, Duration feeInterval, Clock clock) {
        super(name, rpc, safetyPoll, feeInterval, clock);
        this.listener = new ZmqListener(name, zmq, new ZmqListener.Handler() {
            @Override
            public void block() {
                contact();
                wake(true, true);
            }

            @Override
            public void mempool() {
                contact();
                wake(false, true);
            }

            @Override
            public void resync(String why) {
                contact();
                BitcoindZmqDriver.this.resync();
            }
        });
    }

    @Override
    public dev.btclock.upstream.spi.DriverHealth health() {
        dev.btclock.upstream.spi.DriverHealth h = super.health();
        return new dev.btclock.upstream.spi.DriverHealth(h.connected(), h.lastEvent(),
                h.detail() + "; " + listener.messages() + " ZMQ notifications");
    }

    @Override
    void onStart() {
        listener.start();
    }

    @Override
    void onClose() {
        listener.close();
    }

    @Override
    boolean pollDriven(long nanosSinceFeeAllowed) {
        return nanosSinceFeeAllowed > STALE_FEE.toNanos();
    }
}
