package dev.btclock.server.guard;

import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.Context;
import org.glassfish.grizzly.IOEvent;
import org.glassfish.grizzly.IOEventLifeCycleListener;
import org.glassfish.grizzly.IOStrategy;
import org.glassfish.grizzly.Transport;
import org.glassfish.grizzly.threadpool.ThreadPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * A listener's I/O strategy that stops accepting for a moment when {@code accept(2)} fails (the
 * open-file limit reached, most often), instead of failing again at once: the pending connection
 * stays in the kernel's queue, so the listening socket stays ready and Grizzly would retry in a
 * loop that burns a core and says nothing. The pause starts at 50 ms and doubles up to a second
 * while the failures go on; the first failure of an episode is logged once, naming the limit.
 * Everything else goes to the strategy it wraps, unchanged.
 */
@SuppressWarnings("rawtypes") // Grizzly's IOStrategy is declared with raw connections
public final class AcceptBackoff implements IOStrategy {

    private static final Logger LOG = LoggerFactory.getLogger(AcceptBackoff.class);
    private static final long FIRST_PAUSE_MILLIS = 50;
    private static final long LONGEST_PAUSE_MILLIS = 1000;
    /** A failure this long after the previous pause ended starts a new episode (logged again). */
    private static final long EPISODE_GAP_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final IOStrategy delegate;
    private final ScheduledExecutorService timer;
    private final LongAdder pauses = new LongAdder();
    private final Object lock = new Object();
    private long pauseMillis = FIRST_PAUSE_MILLIS;
    private long lastFailureNanos;
    private boolean episode;

    private final IOEventLifeCycleListener onFailure = new IOEventLifeCycleListener.Adapter() {
        @Override
        public void onError(Context context, Object description) {
            paused(context.getConnection(), description);
        }
    };

    /** Wraps {@code delegate}; {@code timer} resumes accepting after each pause. */
    public AcceptBackoff(IOStrategy delegate, ScheduledExecutorService timer) {
        this.delegate = delegate;
        this.timer = timer;
    }

    /** Times accepting paused so far. */
    public long pauses() {
        return pauses.sum();
    }

    @Override
    public boolean executeIoEvent(Connection connection, IOEvent ioEvent) throws IOException {
        return executeIoEvent(connection, ioEvent, true);
    }

    @Override
    @SuppressWarnings("unchecked")
    public boolean executeIoEvent(Connection connection, IOEvent ioEvent, boolean isIoEventEnabled) throws IOException {
        if (ioEvent == IOEvent.SERVER_ACCEPT) {
            // As the wrapped strategies do it (on the selector thread), with a listener that hears failures.
            connection.getTransport().fireIOEvent(ioEvent, connection, onFailure);
            return true;
        }
        return delegate.executeIoEvent(connection, ioEvent, isIoEventEnabled);
    }

    @Override
    public Executor getThreadPoolFor(Connection connection, IOEvent ioEvent) {
        return delegate.getThreadPoolFor(connection, ioEvent);
    }

    @Override
    public ThreadPoolConfig createDefaultWorkerPoolConfig(Transport transport) {
        return delegate.createDefaultWorkerPoolConfig(transport);
    }

    private void paused(Connection<?> server, Object error) {
        long pause;
        boolean first;
        synchronized (lock) {
            long now = System.nanoTime();
            first = !episode || now - lastFailureNanos > EPISODE_GAP_NANOS + TimeUnit.MILLISECONDS.toNanos(pauseMillis);
            if (first) {
                pauseMillis = FIRST_PAUSE_MILLIS;
            } else {
                pauseMillis = Math.min(LONGEST_PAUSE_MILLIS, pauseMillis * 2);
            }
            episode = true;
            lastFailureNanos = now;
            pause = pauseMillis;
        }
        pauses.increment();
        if (first) {
            LOG.warn("cannot accept connections ({}): the open-file limit is {}; accepting pauses for up to {} ms at a time "
                            + "until descriptors are free (raise LimitNOFILE / ulimit -n; counted in btclock_accept_paused_total)",
                    error, openFileLimit(), LONGEST_PAUSE_MILLIS);
        }
        try {
            server.disableIOEvent(IOEvent.SERVER_ACCEPT);
            timer.schedule(() -> resume(server), pause, TimeUnit.MILLISECONDS);
        } catch (IOException | java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("accept pause: {}", e.toString()); // the listener is closing
        }
    }

    private static void resume(Connection<?> server) {
        try {
            server.enableIOEvent(IOEvent.SERVER_ACCEPT);
        } catch (IOException e) {
            LOG.debug("accept resume: {}", e.toString()); // the listener is closing
        }
    }

    private static String openFileLimit() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.UnixOperatingSystemMXBean os) {
            return Long.toString(os.getMaxFileDescriptorCount());
        }
        return "unknown";
    }
}
