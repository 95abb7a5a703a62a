package dev.btclock.upstream.bitcoind;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A jeromq SUB socket on bitcoind's {@code hashblock} and {@code sequence} notifications
 * (docs/upstreams.md §2.3). Every message is three frames — topic, body, 4-byte little-endian counter —
 * and the counter, kept per topic, tells lost messages (a gap) and a bitcoind restart (back to 0)
 * apart from normal flow; either way the driver resyncs over RPC. The socket lives on this
 * listener's thread only, as ZMQ requires. jeromq is used nowhere else.
 */
final class ZmqListener implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ZmqListener.class);
    private static final String HASHBLOCK = "hashblock";
    private static final String SEQUENCE = "sequence";
    /**
     * ZMTP handshake deadline. jeromq 0.6.0 sometimes leaves a fresh outgoing connection
     * unregistered with its poller (the handshake never starts; jeromq PR #1022, 1–6 % of connects,
     * more under load), and only this timer recovers it: 5 s instead of the default 30 s, still
     * ample for a greeting of a few dozen bytes.
     */
    static final int HANDSHAKE_TIMEOUT_MS = 5000;

    /** What the driver does with the notifications. */
    interface Handler {
        /** A new tip was announced. */
        void block();

        /** The mempool changed (a transaction added or removed, a block connected or disconnected). */
        void mempool();

        /** Messages were lost or bitcoind restarted: re-read everything. */
        void resync(String why);
    }

    private final String name;
    private final List<String> endpoints;
    private final Handler handler;
    private final Map<String, Long> counters = new HashMap<>();
    private final Thread thread;
    private volatile boolean closed;
    private volatile long messages;

    ZmqListener(String name, List<String> endpoints, Handler handler) {
        this.name = name;
        this.endpoints = List.copyOf(endpoints);
        this.handler = handler;
        this.thread = dev.btclock.upstream.spi.DriverThreads.daemon("btclock-" + name + "-sub", name).newThread(this::run);
    }

    void start() {
        thread.start();
    }

    /** Messages received so far. */
    long messages() {
        return messages;
    }

    private void run() {
        try (ZContext context = new ZContext(1)) {
            ZMQ.Socket sub = context.createSocket(SocketType.SUB);
            sub.setReceiveTimeOut(250);
            sub.setTCPKeepAlive(1);
            sub.setHandshakeIvl(HANDSHAKE_TIMEOUT_MS);
            sub.subscribe(HASHBLOCK.getBytes(StandardCharsets.US_ASCII));
            sub.subscribe(SEQUENCE.getBytes(StandardCharsets.US_ASCII));
            for (String e : endpoints) {
                sub.connect(e);
            }
            LOG.info("{}: subscribed to hashblock and sequence at {}", name, endpoints);
            while (!closed) {
                byte[] topic = sub.recv();
                if (topic == null) {
                    continue;
                }
                byte[] body = sub.hasReceiveMore() ? sub.recv() : null;
                byte[] counter = sub.hasReceiveMore() ? sub.recv() : null;
                while (sub.hasReceiveMore()) {
                    sub.recv();
                }
                messages++;
                handle(new String(topic, StandardCharsets.US_ASCII), body, counter);
            }
        } catch (ZMQException | IllegalStateException e) {
            if (!closed) {
                LOG.error("{}: ZMQ listener stopped: {}", name, e.toString());
            }
        }
    }

    /** Applies one message; package-private for tests of the counter logic. */
    void handle(String topic, byte[] body, byte[] counter) {
        if (body == null || counter == null || counter.length != 4) {
            LOG.debug("{}: ignoring a malformed {} message", name, topic);
            return;
        }
        long seq = (counter[0] & 0xffL) | (counter[1] & 0xffL) << 8 | (counter[2] & 0xffL) << 16 | (counter[3] & 0xffL) << 24;
        Long previous = counters.put(topic, seq);
        if (previous != null && seq != ((previous + 1) & 0xffffffffL)) {
            String why = seq == 0 ? "bitcoind restarted (" + topic + " counter back to 0)"
                    : "lost " + topic + " messages (counter " + previous + " → " + seq + ")";
            LOG.warn("{}: {}; resyncing over RPC", name, why);
            handler.resync(why);
            return;
        }
        switch (topic) {
            case HASHBLOCK -> {
                if (body.length == 32) {
                    handler.block();
                }
            }
            case SEQUENCE -> {
                if (body.length == 33 || body.length == 41) {
                    char label = (char) body[32];
                    if (label == 'C' || label == 'D') {
                        handler.block();
                    } else {
                        handler.mempool();
                    }
                }
            }
            default -> {
                // other topics are not subscribed to
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
