package dev.btclock.server.ws;

import dev.btclock.server.metrics.ServerMetrics;
import org.glassfish.grizzly.Connection;

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
 * @param maxMessageBytes the largest message a client may send
 * @param closer          runs the closes and terminations
 */
record ClientContext(Fanout fanout, ServerMetrics metrics, int maxQueue, int maxMessageBytes, Executor closer) {

    /** Closes the TCP connection at once, dropping whatever Grizzly still had to write. */
    void terminate(Connection<?> connection) {
        run(connection::terminateSilently);
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
