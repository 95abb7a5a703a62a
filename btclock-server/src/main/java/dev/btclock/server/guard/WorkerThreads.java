package dev.btclock.server.guard;

import org.glassfish.grizzly.Grizzly;
import org.glassfish.grizzly.memory.MemoryManager;
import org.glassfish.grizzly.memory.ThreadLocalPoolProvider;
import org.glassfish.grizzly.threadpool.DefaultWorkerThread;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Grizzly worker threads whose errors end the process: Grizzly's own factory makes each thread's
 * uncaught-exception handler its pool, which logs an {@link Error} as a warning and lets the
 * server live on without the thread. These are the same threads (with the transport's
 * thread-local memory pool), with {@link FatalErrors} as that handler.
 */
public final class WorkerThreads {

    private WorkerThreads() {
    }

    /** Daemon worker threads named {@code poolName(n)}, with {@code memory}'s thread-local pool when it has one. */
    public static ThreadFactory factory(String poolName, MemoryManager<?> memory, FatalErrors fatal) {
        AtomicInteger counter = new AtomicInteger();
        return task -> {
            DefaultWorkerThread thread = new DefaultWorkerThread(Grizzly.DEFAULT_ATTRIBUTE_BUILDER,
                    poolName + '(' + counter.incrementAndGet() + ')',
                    memory instanceof ThreadLocalPoolProvider p ? p.createThreadLocalPool() : null, task);
            thread.setDaemon(true);
            thread.setUncaughtExceptionHandler((t, error) -> {
                if (!fatal.ifError(t.getName(), error)) {
                    LoggerFactory.getLogger(WorkerThreads.class).error("{} died", t.getName(), error);
                }
            });
            return thread;
        };
    }
}
