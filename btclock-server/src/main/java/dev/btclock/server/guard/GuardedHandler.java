package dev.btclock.server.guard;

import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;

/**
 * An HTTP handler whose {@link Error}s end the process: Grizzly catches everything a handler
 * throws on a worker thread and answers 500, which would leave an out-of-memory or a stack
 * overflow unseen. Exceptions keep Grizzly's handling.
 */
public final class GuardedHandler extends HttpHandler {

    private final HttpHandler handler;
    private final FatalErrors fatal;

    /** {@code handler}, with its errors going to {@code fatal}. */
    public GuardedHandler(HttpHandler handler, FatalErrors fatal) {
        super(handler.getName());
        this.handler = handler;
        this.fatal = fatal;
    }

    @Override
    public void service(Request request, Response response) throws Exception {
        try {
            handler.service(request, response);
        } catch (Error e) {
            fatal.fatal(Thread.currentThread().getName(), e);
            throw e;
        }
    }
}
