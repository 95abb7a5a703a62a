package dev.btclock.server.guard;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens when a server thread meets an {@link Error} (out of memory, a stack overflow, a
 * class that cannot load): a process that has lost a selector, a writer or its signal handler
 * serves nothing while it looks alive, and a supervisor never restarts a process that does not
 * exit. The server's handler ({@link #EXIT}) writes one log line and ends the process at once
 * with exit code 3, the code the JVM itself uses for {@code -XX:+ExitOnOutOfMemoryError}.
 *
 * <p>Exceptions are not fatal: components log them and recover. Only errors come here.
 */
@FunctionalInterface
public interface FatalErrors {

    /** Exit code of a process ended by a fatal error. */
    int EXIT_CODE = 3;

    /** One log line, then {@link Runtime#halt} with {@link #EXIT_CODE}: shutdown hooks could hang on a broken process. */
    FatalErrors EXIT = (where, error) -> {
        try {
            LoggerFactory.getLogger(FatalErrors.class).error("fatal error in {}: {}; exiting with code {} for a restart",
                    where, error, EXIT_CODE);
        } catch (Throwable ignored) {
            // the log line is a courtesy; the exit is the point
        } finally {
            Runtime.getRuntime().halt(EXIT_CODE);
        }
    };

    /** Logs only (embedded servers whose process is not theirs to end, tests): one line at error level. */
    FatalErrors LOG_ONLY = (where, error) -> {
        Logger log = LoggerFactory.getLogger(FatalErrors.class);
        log.error("fatal error in {}: {}", where, error.toString());
    };

    /** Handles {@code error}, met in {@code where} (a thread or component name). */
    void fatal(String where, Throwable error);

    /**
     * {@code error} handled as fatal if it is an {@link Error} or wraps one (Grizzly wraps an error
     * from a request handler in an {@link IllegalStateException}); exceptions are left to the caller.
     *
     * @return whether it was or carried an error (and was handled)
     */
    default boolean ifError(String where, Throwable error) {
        Throwable t = error;
        for (int depth = 0; t != null && depth < 8; depth++, t = t.getCause()) {
            if (t instanceof Error) {
                fatal(where, t);
                return true;
            }
        }
        return false;
    }

    /** {@code task}, with any {@link Error} it throws handled as fatal (for executors, which keep errors in futures). */
    default Runnable guard(String where, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (Error e) {
                fatal(where, e);
                throw e;
            }
        };
    }

    /** Makes {@code this} the handler of every thread that dies of an uncaught error. */
    default void installAsDefault() {
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> {
            if (!ifError(thread.getName(), error)) {
                if (previous != null) {
                    previous.uncaughtException(thread, error);
                } else {
                    LoggerFactory.getLogger(FatalErrors.class).error("thread {} died", thread.getName(), error);
                }
            }
        });
    }
}
