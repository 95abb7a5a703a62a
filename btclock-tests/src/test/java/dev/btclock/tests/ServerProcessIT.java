package dev.btclock.tests;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shaded jar as operators run it ({@code java -jar btclock-server.jar}): it serves devices,
 * exits 0 within 5 s of SIGTERM after closing clients with 1001, and refuses bad settings with
 * exit code 2 and a message naming the variable.
 */
class ServerProcessIT {

    private static final Path JAR = Path.of("..", "btclock-server", "target", "btclock-server.jar");
    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");

    private FakeMempoolServer mempool;
    private Process process;

    @AfterEach
    void stop() {
        if (process != null) {
            process.destroyForcibly();
        }
        if (mempool != null) {
            mempool.close();
        }
    }

    @Test
    void jarServesDevices_andExits0OnSigterm_afterClosingClientsWith1001() throws Exception {
        mempool = FakeMempoolServer.start();
        BlockingQueue<String> lines = launch(Map.of("LISTEN_ADDR", "127.0.0.1:0", "METRICS_ADDR", "off",
                "MEMPOOL_INSTANCE", mempool.baseUrl()));
        int port = awaitPort(lines);
        Await.until("healthy", Duration.ofSeconds(15), () -> {
            try {
                return TestServer.get(port, "/healthz").statusCode() == 200;
            } catch (Exception e) {
                return false;
            }
        });
        try (WsTestClient c = WsTestClient.connect(port, "/ws")) {
            assertEquals("{\"bitcoin\":64212}", c.next().text());
            c.next(2);
            long start = System.nanoTime();
            process.destroy(); // SIGTERM
            WsTestClient.Frame close = c.next();
            assertEquals(0x8, close.opcode());
            assertEquals(1001, close.closeCode());
            assertTrue(process.waitFor(5, TimeUnit.SECONDS), "exited within 5 s of SIGTERM");
            assertEquals(0, process.exitValue());
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos());
        }
    }

    @Test
    void badSettings_stopTheStartWithExit2_namingTheVariable() throws Exception {
        assertRefused(Map.of("WS_QUEUE_FRAMES", "lots"), "WS_QUEUE_FRAMES must be a whole number");
        assertRefused(Map.of("UPSTREAM", "nope"), "UPSTREAM");
    }

    private void assertRefused(Map<String, String> bad, String message) throws Exception {
        Map<String, String> env = new java.util.HashMap<>(bad);
        env.put("LISTEN_ADDR", "127.0.0.1:0");
        env.put("METRICS_ADDR", "off");
        BlockingQueue<String> lines = launch(env);
        assertTrue(process.waitFor(20, TimeUnit.SECONDS), "exited");
        assertEquals(2, process.exitValue());
        Await.until("the error names the variable: " + message, Duration.ofSeconds(5),
                () -> String.join("\n", lines).contains(message));
    }

    private BlockingQueue<String> launch(Map<String, String> env) throws IOException {
        assertTrue(Files.isRegularFile(JAR), "build the server jar first: " + JAR.toAbsolutePath());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-jar", JAR.toAbsolutePath().toString()))
                .redirectErrorStream(true);
        // A clean environment: no .env from the working directory, nothing inherited that configures the server.
        pb.directory(Files.createTempDirectory("btclock-process").toFile());
        pb.environment().keySet().removeIf(k -> !k.equals("PATH") && !k.equals("HOME"));
        pb.environment().putAll(env);
        process = pb.start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // process gone
            }
        }, "server-output");
        pump.setDaemon(true);
        pump.start();
        return lines;
    }

    private static int awaitPort(BlockingQueue<String> lines) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        StringBuilder seen = new StringBuilder();
        while (System.nanoTime() < end) {
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line == null) {
                continue;
            }
            seen.append(line).append('\n');
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
        }
        throw new AssertionError("the server never said where it listens:\n" + seen);
    }
}
