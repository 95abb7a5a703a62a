package dev.btclock.server.ws;

import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.CompletionHandler;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.Context;
import org.glassfish.grizzly.IOEvent;
import org.glassfish.grizzly.ProcessorResult;
import org.glassfish.grizzly.ReadResult;
import org.glassfish.grizzly.WriteResult;
import org.glassfish.grizzly.asyncqueue.AsyncQueueEnabledTransport;
import org.glassfish.grizzly.asyncqueue.AsyncQueueWriter;
import org.glassfish.grizzly.asyncqueue.MessageCloner;

/**
 * The Grizzly {@link org.glassfish.grizzly.Processor} of one upgraded connection, in place of a
 * filter chain: Grizzly hands it the connection's events ({@code READ}, {@code WRITE},
 * {@code CLOSED}) directly. A filter chain would keep a per-connection state for every chain the
 * connection ever used (docs/design.md §8.4), and wrap every read in a context and a pooled buffer.
 *
 * <p>{@code WRITE} events drive Grizzly's write queue, which finishes the frames the kernel could
 * not take at once; subclasses handle reads and the end of the connection. Public for engines
 * that take connections over the same way ({@link WsUpgrade.Handler}).
 */
@SuppressWarnings("rawtypes") // Grizzly's Processor interface is declared with raw types
public abstract class ConnectionProcessor implements org.glassfish.grizzly.Processor<Context> {

    /** The connection can be read without blocking. */
    protected abstract void readable(Connection<?> connection);

    /** The connection is closed, by either side. */
    protected abstract void closed();

    /** Called with an {@link Error} met while processing an event: the server's fatal-error handling. */
    protected abstract void fatal(Error error);

    @Override
    public final ProcessorResult process(Context context) {
        try {
            IOEvent event = context.getIoEvent();
            if (event == IOEvent.WRITE) {
                return writer(context.getConnection()).processAsync(context).toProcessorResult();
            }
            if (event == IOEvent.READ) {
                readable(context.getConnection());
            } else if (event == IOEvent.CLOSED) {
                closed();
            }
            return ProcessorResult.createComplete();
        } catch (Error e) {
            fatal(e);
            throw e;
        }
    }

    @Override
    public final Context obtainContext(Connection connection) {
        Context context = Context.create(connection);
        context.setProcessor(this);
        return context;
    }

    @Override
    public final boolean isInterested(IOEvent event) {
        return event == IOEvent.READ || event == IOEvent.WRITE || event == IOEvent.CLOSED;
    }

    @Override
    public final void setInterested(IOEvent event, boolean interested) {
        // fixed: reads, writes and the close
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public final void read(Connection connection, CompletionHandler<ReadResult> completionHandler) {
        connection.getTransport().getReader(connection).read(connection, null, completionHandler);
    }

    @Override
    public final void write(Connection connection, Object dstAddress, Object message,
                            CompletionHandler<WriteResult> completionHandler) {
        write(connection, dstAddress, message, completionHandler, (MessageCloner) null);
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public final void write(Connection connection, Object dstAddress, Object message,
                            CompletionHandler<WriteResult> completionHandler, MessageCloner messageCloner) {
        ((AsyncQueueWriter) writer(connection)).write(connection, dstAddress, (Buffer) message,
                (CompletionHandler) completionHandler, messageCloner);
    }

    @Override
    @Deprecated
    @SuppressWarnings({"unchecked", "rawtypes"})
    public final void write(Connection connection, Object dstAddress, Object message,
                            CompletionHandler<WriteResult> completionHandler,
                            org.glassfish.grizzly.asyncqueue.PushBackHandler pushBackHandler) {
        write(connection, dstAddress, message, completionHandler, (MessageCloner) null);
    }

    /** The transport's write queue, shared by its connections. */
    protected static AsyncQueueWriter<?> writer(Connection<?> connection) {
        return ((AsyncQueueEnabledTransport) connection.getTransport()).getAsyncQueueIO().getWriter();
    }
}
