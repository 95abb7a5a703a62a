package dev.btclock.bus.valkey;

import org.junit.jupiter.api.Assumptions;
import dev.btclock.core.Await;
import dev.btclock.core.event.FeeUpdate;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.exceptions.JedisException;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code valkey-server} or {@code redis-server} process on a free loopback port, without
 * persistence, that tests can kill and restart on the same port. When neither binary is on the
 * {@code PATH}, the server at {@code REDIS_URL} is used instead (fault tests skip), and without that
 * either, tests that need one are skipped with one clear line ({@code .ci/run} installs
 * Debian's {@code redis-server} so that CI always runs them).
 */
public final class RedisServerProcess implements AutoCloseable {

    private final String binary;
    private final String host;
    private final int port;
    private final Path dir;
    private Process process;

    private RedisServerProcess(String binary, String host, int port, Path dir) {
        this.binary = binary;
        this.host = host;
        this.port = port;
        this.dir = dir;
    }

    /** The server binary on the PATH, preferring Valkey. */
    public static Optional<String> binary() {
        for (String name : List.of("valkey-server", "redis-server")) {
            for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
                Path p = Path.of(d, name);
                if (Files.isExecutable(p)) {
                    return Optional.of(p.toString());
                }
            }
        }
        return Optional.empty();
    }

    /** Skips the calling test (one line) when there is neither a server binary nor {@code REDIS_URL}. */
    public static void assumeAvailable() {
        Assumptions.assumeTrue(binary().isPresent() || System.getenv("REDIS_URL") != null,
                "no valkey-server or redis-server on PATH and no REDIS_URL: skipping the Valkey bus tests"
                        + " (apt-get install redis-server)");
    }

    /**
     * Starts a server on a free port; without a binary, uses the server at {@code REDIS_URL}
     * ({@code host:port}; tests that kill or restart it are then skipped); skips the test when
     * there is neither.
     */
    public static RedisServerProcess start() throws IOException {
        assumeAvailable();
        if (binary().isEmpty()) {
            String[] hp = System.getenv("REDIS_URL").replaceFirst("^redis://", "").split(":");
            return new RedisServerProcess(null, hp[0], hp.length > 1 ? Integer.parseInt(hp[1].replaceAll("/.*", "")) : 6379, null);
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        RedisServerProcess r = new RedisServerProcess(binary().orElseThrow(), "127.0.0.1", port,
                Files.createTempDirectory("btclock-redis"));
        r.launch();
        return r;
    }

    private void launch() throws IOException {
        process = new ProcessBuilder(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--logfile", "")
                .redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile()).start();
        Await.until(binary + " answering on port " + port, Duration.ofSeconds(10), () -> {
            if (!process.isAlive()) {
                throw new AssertionError(binary + " exited: " + log());
            }
            try (Jedis j = new Jedis(new HostAndPort(host, port), config(500))) {
                return "PONG".equals(j.ping());
            } catch (JedisException e) {
                return false;
            }
        }, this::log);
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("server.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** The id of the connection named {@code name} ({@code CLIENT SETNAME}), for {@code CLIENT KILL}. */
    public String clientId(String name) {
        try (Jedis j = client()) {
            for (String line : j.clientList().split("\n")) {
                if (line.contains(" name=" + name + " ")) {
                    for (String part : line.split(" ")) {
                        if (part.startsWith("id=")) {
                            return part.substring(3);
                        }
                    }
                }
            }
        }
        throw new AssertionError("no client named " + name);
    }

    /** A fee entry of the bus's stream format, as producer {@code node} with sequence number {@code seq} wrote it. */
    public static Map<String, String> feeEntry(String node, long seq, double fee) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put(StreamEntries.NODE, node);
        f.put(StreamEntries.SEQ, Long.toString(seq));
        f.putAll(StreamEntries.fields(new FeeUpdate(fee, Instant.EPOCH, "test")));
        return f;
    }

    /** {@code 127.0.0.1:port}, for {@code BROKER_URL}. */
    public String url() {
        return host + ":" + port;
    }

    /** A fresh connection (tests close it). */
    public Jedis client() {
        return new Jedis(new HostAndPort(host, port), config(5000));
    }

    private static DefaultJedisClientConfig config(int timeoutMillis) {
        return DefaultJedisClientConfig.builder().timeoutMillis(timeoutMillis).protocol(RedisProtocol.RESP2).build();
    }

    /** Kills the server (SIGKILL): its data is gone, clients see their connections drop. */
    public void kill() throws InterruptedException {
        Assumptions.assumeTrue(binary != null, "REDIS_URL server: cannot kill it, skipping");
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            process = null;
        }
    }

    /** Starts the server again on the same port, empty. */
    public void restart() throws IOException {
        Assumptions.assumeTrue(binary != null, "REDIS_URL server: cannot restart it, skipping");
        launch();
    }

    @Override
    public void close() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }
}
