package dev.btclock.server.guard;

import dev.btclock.server.http.HeaderDeadline;
import dev.btclock.server.http.HeaderLists;
import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.EmptyCompletionHandler;
import org.glassfish.grizzly.WriteResult;
import org.glassfish.grizzly.filterchain.BaseFilter;
import org.glassfish.grizzly.filterchain.FilterChainBuilder;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.filterchain.NextAction;
import org.glassfish.grizzly.http.HttpBrokenContent;
import org.glassfish.grizzly.http.HttpCodecFilter;
import org.glassfish.grizzly.http.HttpContent;
import org.glassfish.grizzly.http.HttpPacket;
import org.glassfish.grizzly.http.HttpProbe;
import org.glassfish.grizzly.http.HttpRequestPacket;
import org.glassfish.grizzly.http.Method;
import org.glassfish.grizzly.http.Protocol;
import org.glassfish.grizzly.http.server.AddOn;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.grizzly.http.util.DataChunk;
import org.glassfish.grizzly.http.util.Header;
import org.glassfish.grizzly.http.util.MimeHeaders;
import org.glassfish.grizzly.memory.Buffers;
import org.glassfish.grizzly.utils.IdleTimeoutFilter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Guards a listener's HTTP side, with one filter right behind Grizzly's HTTP codec (every filter
 * in the chain costs each connection a slot in seven arrays Grizzly keeps for its whole life, so
 * the guard takes one).
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
 *   <li><b>Malformed input</b> that the codec cannot parse (a bad header, a bad chunk size) gets
 *       the codec's 400 and a close. Every refusal is counted by reason and logged without a stack
 *       trace, at most once per interval ({@link Rejections}).</li>
 *   <li><b>Time</b>: the {@link HeaderDeadline} of every request head.</li>
 *   <li><b>Memory</b>: the bytes of a request that has not fully arrived count in the server's
 *       {@link InboundBudget} (what the codec holds of it, seen through the codec's probe);
 *       connections holding the most are closed when it is exceeded.</li>
 *   <li><b>Errors</b> thrown in the filters and handlers behind it go to the server's {@link FatalErrors}.</li>
 * </ul>
 */
public final class RequestGuard implements AddOn {

    private static final byte[] BAD_REQUEST = ascii("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    private static final byte[] NOT_IMPLEMENTED =
            ascii("HTTP/1.1 501 Not Implemented\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    /** Grizzly's own method objects: tokens by definition; only the others are checked. */
    private static final Set<Method> KNOWN_METHODS = Set.of(Method.GET, Method.HEAD, Method.POST, Method.PUT,
            Method.DELETE, Method.OPTIONS, Method.TRACE, Method.CONNECT, Method.PATCH, Method.PRI);

    /**
     * The connections in their HTTP phase, each with what its unfinished request holds. Not a
     * Grizzly attribute: a connection's attribute holder never shrinks, and an attribute created
     * this late would have grown it for the whole life of every upgraded device.
     */
    private final Map<Connection<?>, Head> heads = new ConcurrentHashMap<>();
    private final InboundBudget budget;
    private final Rejections rejections;
    private final FatalErrors fatal;
    private final Consumer<String> evicted;
    private final HeaderDeadline deadline;

    /**
     * A guard sharing {@code budget} with the WebSocket side.
     *
     * @param evicted  called with {@code "http"} for every connection the budget closed (for the metrics)
     * @param deadline the deadline of request heads on this listener
     */
    public RequestGuard(InboundBudget budget, Rejections rejections, FatalErrors fatal, Consumer<String> evicted,
                        HeaderDeadline deadline) {
        this.budget = budget;
        this.rejections = rejections;
        this.fatal = fatal;
        this.evicted = evicted;
        this.deadline = deadline;
    }

    @Override
    public void setup(NetworkListener listener, FilterChainBuilder builder) {
        int codec = builder.indexOfType(org.glassfish.grizzly.http.HttpServerFilter.class);
        if (codec < 0) {
            throw new IllegalStateException("no HTTP codec in the listener's chain");
        }
        ((HttpCodecFilter) builder.get(codec)).getMonitoringConfig().addProbes(new CodecEvents());
        builder.add(codec + 1, new Guard());
        // Grizzly's keep-alive idle filter does less than the header deadline and costs every
        // connection, upgraded ones included, a queue entry that its checker thread scans every second.
        int idle = builder.indexOfType(IdleTimeoutFilter.class);
        if (idle >= 0) {
            builder.remove(idle);
        }
    }

    /**
     * What the codec sees, through its probe (one per listener: nothing per connection). Before each
     * parse the codec is handed everything it holds of the request so far (what arrived before,
     * stored, and what just arrived): that is what the connection holds. A request the codec cannot
     * parse it answers with 400 itself; it is counted here.
     */
    private final class CodecEvents extends HttpProbe.Adapter {
        @Override
        @SuppressWarnings("rawtypes")
        public void onDataReceivedEvent(Connection connection, Buffer buffer) {
            if (!connection.isOpen()) {
                return; // its close was handled (and its entry removed) already
            }
            if (!heads.computeIfAbsent(connection, Head::new).holds(buffer.remaining())) {
                connection.terminateSilently(); // evicted
            }
        }

        @Override
        @SuppressWarnings("rawtypes")
        public void onErrorEvent(Connection connection, HttpPacket packet, Throwable error) {
            rejections.rejected("malformed-request", connection);
        }
    }

    /** Behind the codec: the deadline, the request's framing, and what it holds, before any handler sees it. */
    private final class Guard extends BaseFilter {
        @Override
        public NextAction handleAccept(FilterChainContext ctx) throws IOException {
            deadline.expectRequest(ctx.getConnection());
            return ctx.getInvokeAction();
        }

        @Override
        public NextAction handleRead(FilterChainContext ctx) throws IOException {
            if (!(ctx.getMessage() instanceof HttpContent content)
                    || !(content.getHttpHeader() instanceof HttpRequestPacket request)) {
                return ctx.getInvokeAction();
            }
            Connection<?> c = ctx.getConnection();
            Head head = heads.get(c);
            if (head != null && head.refused) {
                return ctx.getStopAction(); // the rest of a refused request
            }
            if (content instanceof HttpBrokenContent) {
                // The codec answered 400 already (and counted it through the probe): close behind it.
                refused(c, head);
                c.closeSilently();
                return ctx.getStopAction();
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
            deadline.requestRead(c, request, content.isLast());
            if (request.isUpgrade()) {
                // The whole request is here, and the connection leaves HTTP (if the upgrade is taken)
                // or closes (if refused): this guard is done with it either way.
                heads.remove(c);
                if (head != null) {
                    budget.close(head);
                }
            } else if (content.isLast() && head != null) {
                budget.release(head); // the whole request is here
            }
            return ctx.getInvokeAction();
        }

        @Override
        public NextAction handleClose(FilterChainContext ctx) throws IOException {
            Connection<?> c = ctx.getConnection();
            deadline.forget(c);
            Head head = heads.remove(c);
            if (head != null) {
                budget.close(head);
            }
            return ctx.getInvokeAction();
        }

        @Override
        public void exceptionOccurred(FilterChainContext ctx, Throwable error) {
            fatal.ifError(Thread.currentThread().getName(), error);
        }
    }

    /** Why {@code request}'s framing is refused, as the reason counted, or null when it is fine. */
    static String framingProblem(HttpRequestPacket request) {
        Method method = request.getMethod();
        if (!KNOWN_METHODS.contains(method) && !HeaderLists.isToken(method.getMethodString())) {
            return "method";
        }
        MimeHeaders headers = request.getHeaders();
        DataChunk contentLength = headers.getValue(Header.ContentLength);
        if (contentLength != null && distinctValues(headers, "Content-Length") > 1) {
            return "content-length";
        }
        if (headers.getValue(Header.TransferEncoding) == null) {
            return null;
        }
        if (contentLength != null) {
            return "transfer-encoding-with-content-length"; // (when it came first, the codec dropped it: see Guard)
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
        rejections.rejected(reason, c);
        refused(c, heads.get(c));
        respondAndClose(c, response);
    }

    /** Marks the connection refused (whatever else arrives on it is dropped) and gives back what it holds. */
    private void refused(Connection<?> c, Head known) {
        Head head = known != null ? known : heads.computeIfAbsent(c, Head::new);
        head.refused = true;
        budget.release(head);
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
        /** Answered with a refusal: whatever else arrives on it is dropped. */
        private volatile boolean refused;

        Head(Connection<?> connection) {
            this.connection = connection;
        }

        /** The connection holds {@code bytes} now; false when the budget closed it. */
        boolean holds(int bytes) {
            long delta = bytes - held();
            if (delta > 0) {
                return budget.grew(this, add(delta));
            }
            if (delta < 0) {
                budget.shrank(add(delta));
            }
            return true;
        }

        @Override
        public void evict() {
            evicted.accept("http");
            connection.terminateSilently();
        }
    }
}
