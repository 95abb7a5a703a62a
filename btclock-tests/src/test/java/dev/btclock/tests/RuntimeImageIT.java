package dev.btclock.tests;

import dev.btclock.core.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runtime image a small machine (and the Docker image) runs: {@code deploy/build-runtime.sh}
 * links a Java runtime with only the modules the server uses; its launcher serves devices, takes its
 * JVM options from {@code JAVA_OPTS}, and the Dockerfile's {@code HEALTHCHECK} command reads its
 * {@code /healthz}.
 */
class RuntimeImageIT {

    @TempDir
    static Path work;
    private static Path image;
    private FakeMempoolServer mempool;
    private ServerProcess server;

    @BeforeAll
    static void link() throws Exception {
        ServerProcess.java(); // the jar is built
        image = work.resolve("runtime");
        ProcessBuilder pb = new ProcessBuilder("bash", Path.of("..", "deploy", "build-runtime.sh").toString(), image.toString())
                .redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home")); // the JDK running the tests
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "jlink finished");
        assertEquals(0, p.exitValue(), out);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (mempool != null) {
            mempool.close();
        }
    }

    @Test
    void theImage_holdsOnlyWhatTheServerUses() throws Exception {
        String modules = Files.readAllLines(image.resolve("release")).stream()
                .filter(l -> l.startsWith("MODULES=")).findFirst().orElseThrow();
        assertTrue(modules.contains("java.base") && modules.contains("java.net.http") && modules.contains("jdk.crypto.ec")
                && modules.contains("jdk.management") && modules.contains("jdk.jfr"), modules);
        assertFalse(modules.contains("java.desktop") || modules.contains("jdk.compiler") || modules.contains("jdk.jlink"), modules);
        assertTrue(Files.isRegularFile(image.resolve("lib/server/classes.jsa")), "a class-data archive for a faster start");
        assertTrue(Files.isRegularFile(image.resolve("app/LICENSE")));
    }

    @Test
    void theLauncher_servesDevices_withJavaOptsFromTheEnvironment_andPassesTheDockerHealthcheck() throws Exception {
        mempool = FakeMempoolServer.start();
        server = ServerProcess.launch(List.of(image.resolve("bin/btclock-server").toString()), Map.of(
                "LISTEN_ADDR", "127.0.0.1:0", "METRICS_ADDR", "off", "MEMPOOL_INSTANCE", mempool.baseUrl(),
                "JAVA_OPTS", "-Xmx48m -XX:+ExitOnOutOfMemoryError -XshowSettings:vm"));
        int port = server.awaitPort();
        assertTrue(server.output().contains("Max. Heap Size: 48.00M"), "JAVA_OPTS replaces the default options:\n" + server.output());
        Await.until("the Dockerfile's HEALTHCHECK passes (200 once the first data is in)", Duration.ofSeconds(15), () -> {
            try {
                return healthcheck(port) == 0;
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        // Healthy means it has data: a device now gets the upstream's price first.
        try (WsTestClient c = WsTestClient.connect(port, "/ws")) {
            assertEquals("{\"bitcoin\":64212}", c.next().text());
        }
    }

    @Test
    void theDockerHealthcheck_fails_whenTheNodeCannotServe_orNothingAnswers() throws Exception {
        int closed;
        try (var s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        assertEquals(1, healthcheck(closed), "nothing listens");
        // An upstream that never answers: the node is up but has nothing to serve (503).
        server = ServerProcess.launch(Map.of("LISTEN_ADDR", "127.0.0.1:0", "METRICS_ADDR", "off",
                "MEMPOOL_INSTANCE", "http://127.0.0.1:" + closed));
        int port = server.awaitPort();
        assertEquals(503, TestServer.get(port, "/healthz").statusCode());
        assertEquals(1, healthcheck(port), "a 503 fails the check");
    }

    /** Runs the Dockerfile's {@code HEALTHCHECK CMD} as Docker would, with the device port in {@code LISTEN_ADDR}; its exit code. */
    private static int healthcheck(int port) throws IOException, InterruptedException {
        String dockerfile = Files.readString(Path.of("..", "Dockerfile"));
        Matcher line = Pattern.compile("(?m)^HEALTHCHECK .* CMD (\\[.*])$").matcher(dockerfile);
        assertTrue(line.find(), "a HEALTHCHECK in exec form");
        List<String> command = new ArrayList<>();
        Matcher s = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(line.group(1));
        while (s.find()) {
            command.add(s.group(1).replaceAll("\\\\(.)", "$1"));
        }
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("LISTEN_ADDR", ":" + port);
        Process p = pb.start();
        p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "the health check ends");
        return p.exitValue() == 0 ? 0 : 1;
    }
}
