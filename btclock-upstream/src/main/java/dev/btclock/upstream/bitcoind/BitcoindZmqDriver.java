package dev.btclock.upstream.bitcoind;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * {@code bitcoind-zmq}: the tip and the fee are re-read over RPC when bitcoind's ZMQ says they
 * changed ({@code hashblock}, or any {@code sequence} message, debounced to one fee computation
 * per {@code feeInterval}), with a slow safety poll every 30 s in case notifications stop.
 */
final class BitcoindZmqDriver extends BitcoindDriver {

    static final Duration SAFETY_POLL = Duration.ofSeconds(30);

    private final ZmqListener listener;

    BitcoindZmqDriver(String name, RpcClient rpc, List<String> zmq, Duration feeInterval, Clock clock) {
        super(name, rpc, SAFETY_POLL, feeInterval, clock);
        this.listener = new ZmqListener(name, zmq, new ZmqListener.Handler() {
            @Override
            public void block() {
                wake(true);
            }

            @Override
            public void mempool() {
                wake(true);
            }

            @Override
            public void resync(String why) {
                BitcoindZmqDriver.this.resync();
            }
        });
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
    boolean pollDriven() {
        return false;
    }
}
