package dev.btclock.tests;

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

/**
 * The shaded server jar run as operators run it, in an empty working directory with a clean
 * environment: for signals, exit codes and {@code kill -9}.
 */
final class ServerProcess implements AutoCloseable {

    static final Path JAR = Path.of("..", "btclock-server", "target", "btclock-server.jar");
    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern METRICS = Pattern.compile("metrics on 127\\.0\\.0\\.1:(\\d+)");

    final Process process;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuilder seen = new StringBuilder();
    private int port = -1;
    private int metricsPort = -1;

    private ServerProcess(Process process) {
        this.process = process;
    }

    static ServerProcess launch(Map<String, String> env) throws IOException {
        return launch(java("-jar", JAR.toAbsolutePath().toString()), env);
    }

    /** {@code java} of this JVM with {@code args}, checking that the server jar was built. */
    static List<String> java(String... args) {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException("build the server jar first: " + JAR.toAbsolutePath());
        }
        List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(args));
        return command;
    }

    /** {@code command} run by bash after {@code ulimit -n limit}: a process with few descriptors. */
    static List<String> withOpenFileLimit(int limit, List<String> command) {
        StringBuilder sh = new StringBuilder("ulimit -n ").append(limit).append(" && exec");
        for (String part : command) {
            sh.append(" '").append(part.replace("'", "'\\''")).append('\'');
        }
        return List.of("bash", "-c", sh.toString());
    }

    /** Runs {@code command} (the server, one way or another) in an empty directory with a clean environment plus {@code env}. */
    static ServerProcess launch(List<String> command, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.directory(Files.createTempDirectory("btclock-process").toFile());
        pb.environment().keySet().removeIf(k -> !k.equals("PATH") && !k.equals("HOME"));
        pb.environment().putAll(env);
        ServerProcess p = new ServerProcess(pb.start());
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    p.lines.add(line);
                }
            } catch (IOException e) {
                // process gone
            }
        }, "server-output");
        pump.setDaemon(true);
        pump.start();
        return p;
    }

    /** Waits for the start log lines and returns the device port. */
    int awaitPort() throws InterruptedException {
        if (port < 0) {
            Matcher m = nextMatch(LISTENING);
            if (m == null) {
                throw new AssertionError("the server never said where it listens:\n" + seen);
            }
            port = Integer.parseInt(m.group(1));
        }
        return port;
    }

    /** Waits until the process has printed a line containing {@code text}. */
    void awaitLine(String text) throws InterruptedException {
        if (nextMatch(Pattern.compile(Pattern.quote(text))) == null) {
            throw new AssertionError("the server never printed \"" + text + "\":\n" + seen);
        }
    }

    /** Reads output lines, for up to 30 s, until one matches {@code pattern}; its match, or null. */
    private Matcher nextMatch(Pattern pattern) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < end) {
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line == null) {
                continue;
            }
            seen.append(line).append('\n');
            Matcher m = pattern.matcher(line);
            if (m.find()) {
                return m;
            }
        }
        return null;
    }

    /** The metrics port (after {@link #awaitPort}, when metrics are on). */
    int awaitMetricsPort() throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (metricsPort < 0 && System.nanoTime() < end) {
            Matcher m = METRICS.matcher(seen);
            if (m.find()) {
                metricsPort = Integer.parseInt(m.group(1));
                break;
            }
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line != null) {
                seen.append(line).append('\n');
            }
        }
        if (metricsPort < 0) {
            throw new AssertionError("no metrics port in:\n" + seen);
        }
        return metricsPort;
    }

    /** Everything the process printed so far. */
    String output() {
        List<String> more = new java.util.ArrayList<>();
        lines.drainTo(more);
        more.forEach(l -> seen.append(l).append('\n'));
        return seen.toString();
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
