package dev.btclock.server.ws;

import dev.btclock.server.metrics.ServerMetrics;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.nio.NIOConnection;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * What every {@link Client} of one server shares: where its requests and its end go, its limits,
 * and the thread that closes connections (closing one can report its end at once, and a sending
 * thread may hold the fan-out's lock).
 *
 * @param fanout          the fan-out the client belongs to
 * @param metrics         the server's metrics
 * @param maxQueue        frames a client may have waiting before it is terminated
 * @param v1Reading       how v1 clients' frames are read (nothing kept)
 * @param v2Reading       how v2 clients' frames are read (binary messages kept)
 * @param closer          runs the closes and terminations
 * @param budget          the server's budget for unfinished inbound messages
 * @param timer           runs delayed work (held connect frames)
 * @param v1ConnectDelay  how long the connect frames of an ESP-IDF 4.4 v1 client wait for its handshake
 *                        read to be over; zero sends them with the 101
 * @param rejections      where refused handshakes are counted
 * @param fatal           what an {@link Error} on a client's thread leads to
 * @param ticker          the time source of liveness and closing deadlines
 */
record ClientContext(Fanout fanout, ServerMetrics metrics, int maxQueue, FrameReader.Limits v1Reading,
                     FrameReader.Limits v2Reading, Executor closer,
                     dev.btclock.server.guard.InboundBudget budget,
                     java.util.concurrent.ScheduledExecutorService timer, java.time.Duration v1ConnectDelay,
                     dev.btclock.server.guard.Rejections rejections, dev.btclock.server.guard.FatalErrors fatal,
                     Ticker ticker) {

    /**
     * Closes the TCP connection at once with a reset, dropping whatever is still unsent: a plain
     * close would leave the unsent bytes of a device that stopped reading in the kernel, which
     * keeps the socket and its send buffer (up to {@code WS_SEND_BUFFER_BYTES}) while it probes a
     * zero window for minutes.
     */
    void terminate(Connection<?> connection) {
        run(() -> {
            try {
                ((SocketChannel) ((NIOConnection) connection).getChannel()).socket().setSoLinger(true, 0);
            } catch (IOException | RuntimeException e) {
                // already closed: nothing left to reset
            }
            connection.terminateSilently();
        });
    }

    /** Closes the TCP connection after what Grizzly still has to write. */
    void close(Connection<?> connection) {
        run(connection::closeSilently);
    }

    private void run(Runnable close) {
        try {
            closer.execute(close);
        } catch (RejectedExecutionException e) {
            close.run(); // shutting down: no thread to hand it to
        }
    }
}
