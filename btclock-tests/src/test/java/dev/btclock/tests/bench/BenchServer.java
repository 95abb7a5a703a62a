package dev.btclock.tests.bench;

import dev.btclock.server.ServerAssembly;
import dev.btclock.server.ServerConfig;
import dev.btclock.server.ws.Protocol;
import dev.btclock.tests.FakeMempoolServer;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The production server assembly plus the benchmark's control protocol (bench/REFERENCE.md;
 * never part of the server jar): {@code POST /broadcast} frames the body once as a v1 text frame and hands it to
 * the fan-out that real changes use; {@code GET /stats} answers {@code clients}, {@code pid},
 * {@code dropped}, {@code idle_closed}, {@code leader}, {@code heap_used_kb} (garbage included),
 * {@code inbound_buffered_bytes}, {@code inbound_evictions} and {@code message_timeouts},
 * and with {@code ?gc=1} runs a full GC and
 * adds {@code heap_used_after_gc_kb}. The upstream is a {@link FakeMempoolServer} on loopback, so the
 * machine needs no network; real changes travel the whole production path (upstream driver, bus,
 * fan-out) when they are pushed through it: {@code POST /price?currency=C&value=P} sends a
 * {@code conversions} frame with C at P, {@code POST /block?height=H} a new block (the v2 and
 * fleet benchmarks). Settings come from the environment like the server's; {@code LISTEN_ADDR}
 * defaults to {@code 127.0.0.1:8090}.
 */
public final class BenchServer {

    private BenchServer() {
    }

    /** Runs until killed. */
    public static void main(String[] args) throws Exception {
        FakeMempoolServer mempool = FakeMempoolServer.start();
        Upstream upstream = new Upstream(mempool);
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putIfAbsent("LISTEN_ADDR", "127.0.0.1:8090");
        env.putIfAbsent("METRICS_ADDR", "off");
        env.put("MEMPOOL_INSTANCE", mempool.baseUrl());
        ServerAssembly server = ServerAssembly.start(ServerConfig.from(env));
        server.addHttpHandler(new HttpHandler() {
            @Override
            public void service(Request request, Response response) throws IOException {
                if (!"POST".equals(request.getMethod().getMethodString())) {
                    response.sendError(405);
                    return;
                }
                byte[] body;
                try (InputStream in = request.getInputStream()) {
                    body = in.readNBytes(64 * 1024);
                }
                server.fanout().sendV1Text(body);
                response.setContentType("text/plain");
                response.getWriter().write(Integer.toString(server.clientsConnected(Protocol.V1)));
            }
        }, "/broadcast");
        server.addHttpHandler(new HttpHandler() {
            @Override
            public void service(Request request, Response response) throws IOException {
                int clients = server.clientsConnected(Protocol.V1) + server.clientsConnected(Protocol.V2);
                long dropped = server.metrics().backpressureDrops(Protocol.V1) + server.metrics().backpressureDrops(Protocol.V2);
                StringBuilder json = new StringBuilder().append("{\"clients\":").append(clients)
                        .append(",\"pid\":").append(ProcessHandle.current().pid())
                        .append(",\"dropped\":").append(dropped)
                        .append(",\"idle_closed\":").append(server.metrics().idleClosedCount())
                        .append(",\"leader\":").append(server.isLeader())
                        .append(",\"heap_used_kb\":").append(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1024)
                        .append(",\"inbound_buffered_bytes\":").append(server.inboundBufferedBytes())
                        .append(",\"inbound_evictions\":").append(server.metrics().inboundEvictions("websocket")
                                + server.metrics().inboundEvictions("http"))
                        .append(",\"message_timeouts\":").append(server.metrics().messageTimeouts());
                if ("1".equals(request.getParameter("gc"))) {
                    // The live heap: what the clients really hold, not what the collector has yet to free.
                    System.gc();
                    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
                    json.append(",\"heap_used_after_gc_kb\":").append(heap.getUsed() / 1024);
                }
                response.setContentType("application/json");
                response.getOutputStream().write(json.append('}').toString().getBytes(StandardCharsets.US_ASCII));
            }
        }, "/stats");
        server.addHttpHandler(upstream.handler(false), "/price");
        server.addHttpHandler(upstream.handler(true), "/block");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            mempool.close();
        }));
        System.out.println("bench server on port " + server.port() + ", pid " + ProcessHandle.current().pid());
        new CountDownLatch(1).await();
    }

    /**
     * Pushes changes through the fake mempool instance, as mempool.space would send them. Every
     * currency the v2 benchmark subscribes to has a price from the start, so no subscribe fails.
     */
    private static final class Upstream {

        private static final List<String> CURRENCIES = List.of("USD", "EUR", "GBP", "CAD", "CHF", "AUD", "JPY");

        private final FakeMempoolServer mempool;
        private final Map<String, Long> prices = new LinkedHashMap<>();

        Upstream(FakeMempoolServer mempool) {
            this.mempool = mempool;
            long p = 60_000;
            for (String c : CURRENCIES) {
                prices.put(c, p);
                p += 1_000;
            }
            mempool.conversions(conversions());
        }

        /** {@code POST /block?height=H} when {@code block}, else {@code POST /price?currency=C&value=P}. */
        HttpHandler handler(boolean block) {
            return new HttpHandler() {
                @Override
                public void service(Request request, Response response) throws IOException {
                    if (!"POST".equals(request.getMethod().getMethodString())) {
                        response.sendError(405);
                        return;
                    }
                    try {
                        if (block) {
                            long height = Long.parseLong(request.getParameter("height"));
                            mempool.pushBlock(height, String.format("%064x", height), 12.5);
                        } else if (!price(request.getParameter("currency"), Long.parseLong(request.getParameter("value")))) {
                            response.sendError(400, "currency must be one of " + CURRENCIES);
                            return;
                        }
                    } catch (NumberFormatException e) {
                        response.sendError(400, "height and value must be integers");
                        return;
                    }
                    response.setStatus(204);
                }
            };
        }

        private synchronized boolean price(String currency, long value) {
            if (!prices.containsKey(currency)) {
                return false;
            }
            prices.put(currency, value);
            mempool.pushConversions(conversions());
            return true;
        }

        private String conversions() {
            StringBuilder json = new StringBuilder("{\"time\":1755012300");
            prices.forEach((c, p) -> json.append(",\"").append(c).append("\":").append(p));
            return json.append('}').toString();
        }
    }
}
