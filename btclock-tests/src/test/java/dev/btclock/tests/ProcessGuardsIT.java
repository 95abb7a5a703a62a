package dev.btclock.tests;

import dev.btclock.core.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server as a process under conditions that break processes: a fatal error in one of its
 * threads, the open-file limit, and a flood of malformed requests. It must end (for a
 * supervisor to restart it) or go on serving, never live on half-broken, spin, or flood its log.
 */
class ProcessGuardsIT {

    private FakeMempoolServer mempool;
    private ServerProcess server;
    private final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
        if (mempool != null) {
            mempool.close();
        }
    }

    private Map<String, String> env(String metrics) {
        return Map.of("LISTEN_ADDR", "127.0.0.1:0", "METRICS_ADDR", metrics, "MEMPOOL_INSTANCE", mempool.baseUrl());
    }

    @Test
    void anErrorInAServerThread_endsTheProcessWithExitCode3_afterOneLogLine() throws Exception {
        mempool = FakeMempoolServer.start();
        String classPath = ServerProcess.JAR.toAbsolutePath() + java.io.File.pathSeparator + Path.of("target", "test-classes").toAbsolutePath();
        server = ServerProcess.launch(ServerProcess.java("-cp", classPath, FatalErrorProbe.class.getName()), env("off"));
        server.awaitPort();
        assertTrue(server.process.waitFor(20, TimeUnit.SECONDS), "the process ended:\n" + server.output());
        assertEquals(3, server.process.exitValue(), server.output());
        String out = server.output();
        assertEquals(1, out.lines().filter(l -> l.contains("fatal error in btclock-fatal-probe")).count(), out);
        assertTrue(out.contains("java.lang.StackOverflowError: a server thread overflowed its stack (probe)"), out);
    }

    @Test
    void anErrorInARequestHandler_reachesTheFatalErrorHandler() throws Exception {
        mempool = FakeMempoolServer.start();
        List<String> fatal = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (dev.btclock.server.ServerAssembly s = dev.btclock.server.ServerAssembly.start(
                TestServer.config(mempool, Map.of()), dev.btclock.server.Plugins.installed(getClass().getClassLoader()),
                false, (where, error) -> fatal.add(error.getMessage()))) {
            s.addHttpHandler(new org.glassfish.grizzly.http.server.HttpHandler() {
                @Override
                public void service(org.glassfish.grizzly.http.server.Request request,
                                    org.glassfish.grizzly.http.server.Response response) {
                    threads.add(Thread.currentThread().getName());
                    throw new OutOfMemoryError("handler (test)");
                }
            }, "/boom");
            try {
                TestServer.get(s.port(), "/boom");
            } catch (IOException e) {
                // the connection ends without an answer
            }
            Await.until("reported", Duration.ofSeconds(5), () -> fatal.contains("handler (test)"));
            assertTrue(threads.get(0).startsWith("btclock-worker"), "handlers run on the worker pool, not a selector: " + threads);
        }
    }

    @Test
    void malformedRequests_areCountedAndLoggedAtMostOncePerMinute_withoutStackTraces() throws Exception {
        mempool = FakeMempoolServer.start();
        server = ServerProcess.launch(env("127.0.0.1:0"));
        int port = server.awaitPort();
        int metricsPort = server.awaitMetricsPort();
        server.awaitLine("upstream: fees from");
        String before = server.output();
        for (int i = 0; i < 200; i++) {
            try (Socket s = socket(port)) {
                s.setSoTimeout(5000);
                s.getOutputStream().write(("POST /api/lastblock HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                String head = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                assertEquals("HTTP/1.1 400", head);
            }
        }
        Await.until("200 counted", Duration.ofSeconds(10), () -> metric(metricsPort,
                "btclock_requests_refused_total{reason=\"malformed-request\"}") == 200);
        String during = server.output().substring(before.length());
        List<String> lines = during.lines().toList();
        assertTrue(lines.size() <= 2, "the log grew by " + lines.size() + " lines:\n" + during);
        assertFalse(during.contains("\tat ") || during.contains("Exception"), "a stack trace in the log:\n" + during);
        assertEquals(200, TestServer.get(port, "/api/lastblock").statusCode(), "REST still answers");
    }

    @Test
    void atTheOpenFileLimit_acceptingPauses_saysSoOnce_andServesAgainOnceDescriptorsAreFree() throws Exception {
        mempool = FakeMempoolServer.start();
        server = ServerProcess.launch(ServerProcess.withOpenFileLimit(200, ServerProcess.java("-Xmx128m", "-jar",
                ServerProcess.JAR.toAbsolutePath().toString())), env("off"));
        int port = server.awaitPort();
        server.awaitLine("upstream: fees from");
        // Devices until no more are accepted; the ones behind stay in the kernel's accept queue.
        int upgraded = 0;
        for (int unanswered = 0; unanswered < 5 && sockets.size() < 300; ) {
            Socket s = socket(port);
            sockets.add(s);
            s.getOutputStream().write(("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            if (answers(s)) {
                upgraded++;
            } else {
                unanswered++;
            }
        }
        assertTrue(upgraded > 50 && upgraded < 200, upgraded + " devices upgraded under a limit of 200 descriptors");
        server.awaitLine("cannot accept connections");
        long pid = server.process.pid();
        long cpuBefore = cpuTicks(pid);
        long start = System.nanoTime();
        Await.until("two seconds at the limit", Duration.ofSeconds(5), () -> System.nanoTime() - start > 2_000_000_000L);
        double seconds = (cpuTicks(pid) - cpuBefore) / 100.0;
        assertTrue(seconds < 0.4, "the server used " + seconds + " s of CPU in 2 s at the open-file limit");
        for (Socket s : sockets) {
            s.close();
        }
        sockets.clear();
        Await.until("serving again", Duration.ofSeconds(20), () -> {
            try {
                return TestServer.get(port, "/healthz").statusCode() == 200;
            } catch (Exception e) {
                return false;
            }
        });
        try (WsTestClient device = WsTestClient.connect(port, "/ws")) {
            assertEquals("{\"bitcoin\":64212}", device.next().text());
        }
        String out = server.output();
        assertEquals(1, out.lines().filter(l -> l.contains("cannot accept connections")).count(), out);
        assertTrue(server.process.isAlive());
    }

    private static boolean answers(Socket s) throws IOException {
        s.setSoTimeout(300);
        InputStream in = s.getInputStream();
        try {
            return in.read() == 'H';
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    /** User plus system CPU time of process {@code pid}, in clock ticks (1/100 s on Linux). */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static double metric(int port, String series) {
        try {
            for (String line : TestServer.get(port, "/metrics").body().split("\n")) {
                if (line.startsWith(series + " ")) {
                    return Double.parseDouble(line.substring(series.length() + 1));
                }
            }
            return 0;
        } catch (Exception e) {
            return -1;
        }
    }

    private static Socket socket(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        return s;
    }
}
