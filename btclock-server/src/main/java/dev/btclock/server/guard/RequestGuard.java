package dev.btclock.server.guard;

import dev.btclock.server.http.HeaderLists;
import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.EmptyCompletionHandler;
import org.glassfish.grizzly.Grizzly;
import org.glassfish.grizzly.WriteResult;
import org.glassfish.grizzly.attributes.Attribute;
import org.glassfish.grizzly.filterchain.BaseFilter;
import org.glassfish.grizzly.filterchain.FilterChainBuilder;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.filterchain.NextAction;
import org.glassfish.grizzly.http.HttpContent;
import org.glassfish.grizzly.http.HttpRequestPacket;
import org.glassfish.grizzly.http.Protocol;
import org.glassfish.grizzly.http.server.AddOn;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.grizzly.http.util.MimeHeaders;
import org.glassfish.grizzly.memory.Buffers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

/**
 * Guards a listener's HTTP side, around Grizzly's HTTP codec.
 *
 * <ul>
 *   <li><b>Framing</b> (RFC 9112 §6.1, §6.3): a request whose body length is ambiguous is refused
 *       and its connection closed, so that nothing behind it on the connection (a smuggled
 *       request) is ever served: {@code Transfer-Encoding} together with {@code Content-Length},
 *       {@code Transfer-Encoding} in HTTP/1.0, a coding list that does not end in {@code chunked}
 *       (400), codings other than {@code chunked} before it (501), differing
 *       {@code Content-Length} values (400). A method that is not a token gets 400 too. A request
 *       with a chunked body is served and its connection closed after the response: the codec
 *       drops a {@code Content-Length} sent before {@code Transfer-Encoding: chunked} without a
 *       trace, and closing is what RFC 9112 §6.1 requires for that pair.</li>
 *   <li><b>Malformed input</b> that the codec cannot parse (a bad chunk size, say) gets 400 and a
 *       close. Every refusal is counted by reason and logged without a stack trace, at most once
 *       per interval ({@link Rejections}); Grizzly's own warning with a stack trace per bad request
 *       is silenced by the server's logging setup.</li>
 *   <li><b>Memory</b>: the bytes of a request that has not fully arrived count in the server's
 *       {@link InboundBudget}; connections holding the most are closed when it is exceeded.</li>
 *   <li><b>Errors</b> thrown anywhere in the chain go to the server's {@link FatalErrors}.</li>
 * </ul>
 */
public final class RequestGuard implements AddOn {

    private static final byte[] BAD_REQUEST = ascii("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    private static final byte[] NOT_IMPLEMENTED =
            ascii("HTTP/1.1 501 Not Implemented\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");

    private final Attribute<Head> heads = Grizzly.DEFAULT_ATTRIBUTE_BUILDER.createAttribute("btclock.request-head");
    private final Attribute<Boolean> refused = Grizzly.DEFAULT_ATTRIBUTE_BUILDER.createAttribute("btclock.refused");
    private final InboundBudget budget;
    private final Rejections rejections;
    private final FatalErrors fatal;
    private final Consumer<String> evicted;

    /**
     * A guard sharing {@code budget} with the WebSocket side.
     *
     * @param evicted called with {@code "http"} for every connection the budget closed (for the metrics)
     */
    public RequestGuard(InboundBudget budget, Rejections rejections, FatalErrors fatal, Consumer<String> evicted) {
        this.budget = budget;
        this.rejections = rejections;
        this.fatal = fatal;
        this.evicted = evicted;
    }

    @Override
    public void setup(NetworkListener listener, FilterChainBuilder builder) {
        int codec = builder.indexOfType(org.glassfish.grizzly.http.HttpServerFilter.class);
        if (codec < 0) {
            throw new IllegalStateException("no HTTP codec in the listener's chain");
        }
        builder.add(codec + 1, new Framing());
        builder.add(codec, new Raw());
    }

    /** Before the codec: counts the bytes of unfinished requests, and sees every failure of the chain. */
    private final class Raw extends BaseFilter {
        @Override
        public NextAction handleRead(FilterChainContext ctx) throws IOException {
            if (ctx.getMessage() instanceof Buffer bytes) {
                Connection<?> c = ctx.getConnection();
                Head head = heads.get(c);
                if (head == null) {
                    head = new Head(c);
                    heads.set(c, head);
                }
                if (!head.received(bytes.remaining())) {
                    return ctx.getStopAction(); // evicted: the connection is closing
                }
            }
            return ctx.getInvokeAction();
        }

        @Override
        public void exceptionOccurred(FilterChainContext ctx, Throwable error) {
            if (fatal.ifError(Thread.currentThread().getName(), error)) {
                return;
            }
            Connection<?> c = ctx.getConnection();
            if (error instanceof IOException || c == null || Boolean.TRUE.equals(refused.get(c))) {
                return; // the peer went away, or this connection was refused already
            }
            refuse(c, "malformed-request", BAD_REQUEST); // Grizzly closes the connection once this is written
        }

        @Override
        public NextAction handleClose(FilterChainContext ctx) throws IOException {
            Head head = heads.get(ctx.getConnection());
            if (head != null) {
                budget.release(head);
            }
            return ctx.getInvokeAction();
        }
    }

    /** After the codec: the request's framing, before any handler sees it. */
    private final class Framing extends BaseFilter {
        @Override
        public NextAction handleRead(FilterChainContext ctx) throws IOException {
            if (!(ctx.getMessage() instanceof HttpContent content)
                    || !(content.getHttpHeader() instanceof HttpRequestPacket request)) {
                return ctx.getInvokeAction();
            }
            Connection<?> c = ctx.getConnection();
            if (Boolean.TRUE.equals(refused.get(c))) {
                return ctx.getStopAction(); // the rest of a refused request
            }
            String problem = framingProblem(request);
            if (problem != null) {
                refuse(c, problem, problem.equals("transfer-coding-unsupported") ? NOT_IMPLEMENTED : BAD_REQUEST);
                return ctx.getStopAction();
            }
            if (request.isChunked()) {
                // The codec drops a Content-Length that came before "Transfer-Encoding: chunked" without a
                // trace, so such a pair cannot always be refused; closing after every chunked request is
                // what RFC 9112 §6.1 requires for it, and nothing behind it on the connection is served.
                request.getProcessingState().setKeepAlive(false);
            }
            if (content.isLast() || request.isUpgrade()) {
                Head head = heads.get(c);
                if (head != null) {
                    budget.release(head); // the whole request is here
                }
            }
            return ctx.getInvokeAction();
        }
    }

    /** Why {@code request}'s framing is refused, as the reason counted, or null when it is fine. */
    static String framingProblem(HttpRequestPacket request) {
        if (!HeaderLists.isToken(request.getMethod().getMethodString())) {
            return "method";
        }
        MimeHeaders headers = request.getHeaders();
        if (headers.getValue("Content-Length") != null && distinctValues(headers, "Content-Length") > 1) {
            return "content-length";
        }
        if (headers.getValue("Transfer-Encoding") == null) {
            return null;
        }
        if (headers.getValue("Content-Length") != null) {
            return "transfer-encoding-with-content-length"; // (when it came first, the codec dropped it: see Framing)
        }
        if (request.getProtocol() != Protocol.HTTP_1_1) {
            return "transfer-encoding-http-1.0";
        }
        List<String> codings = HeaderLists.elements(headers, "Transfer-Encoding");
        if (!codings.get(codings.size() - 1).equals("chunked")) {
            return "transfer-encoding-not-chunked";
        }
        return codings.size() == 1 ? null : "transfer-coding-unsupported";
    }

    private static int distinctValues(MimeHeaders headers, String name) {
        java.util.Set<String> values = new java.util.HashSet<>();
        for (String v : headers.values(name)) {
            values.add(v.strip());
        }
        return values.size();
    }

    /** Counts the refusal, answers {@code response} and closes the connection once it is out. */
    private void refuse(Connection<?> c, String reason, byte[] response) {
        refused.set(c, Boolean.TRUE);
        rejections.rejected(reason, c);
        Head head = heads.get(c);
        if (head != null) {
            budget.release(head);
        }
        respondAndClose(c, response);
    }

    /** Writes {@code bytes} as the whole answer on {@code connection} and closes it once they are out. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static void respondAndClose(Connection connection, byte[] bytes) {
        Buffer buffer = Buffers.wrap(connection.getMemoryManager(), bytes);
        connection.write(buffer, new EmptyCompletionHandler<WriteResult<?, ?>>() {
            @Override
            public void completed(WriteResult<?, ?> result) {
                connection.closeSilently();
            }

            @Override
            public void failed(Throwable throwable) {
                connection.closeSilently();
            }
        });
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The bytes one connection's unfinished request holds. */
    private final class Head extends InboundBudget.Account {
        private final Connection<?> connection;

        Head(Connection<?> connection) {
            this.connection = connection;
        }

        /** Counts {@code bytes} more; false when the budget closed this connection. */
        boolean received(int bytes) {
            return bytes == 0 || budget.grew(this, add(bytes));
        }

        @Override
        public void evict() {
            evicted.accept("http");
            connection.terminateSilently();
        }
    }
}
