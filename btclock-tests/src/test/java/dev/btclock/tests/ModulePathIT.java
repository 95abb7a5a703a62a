package dev.btclock.tests;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The libraries as an embedder uses them: an application module that requires every library
 * module, a third-party driver and a third-party bus, each in its own module, compiled against the
 * jars this build produced and run in a fresh JVM, once with {@code --module-path} and once on the
 * class path. Both must resolve, find the plugins by name beside the built-in ones, and run them.
 */
class ModulePathIT {

    @TempDir
    static Path work;
    private static List<Path> libraries;
    private static Path driver;
    private static Path bus;
    private static Path consumer;

    @BeforeAll
    static void build() throws IOException {
        libraries = ThirdPartyBuild.libraryModulePath();
        driver = ThirdPartyBuild.jar("constant-driver", libraries, work);
        bus = ThirdPartyBuild.jar("loopback-bus", libraries, work);
        consumer = ThirdPartyBuild.jar("consumer", libraries, work);
    }

    @Test
    void onTheModulePath_everythingResolves_andThePluginsAreFoundAndRun() throws Exception {
        List<Path> path = new ArrayList<>(libraries);
        path.addAll(List.of(driver, bus, consumer));
        String out = run(List.of("--module-path", ThirdPartyBuild.join(path),
                "-m", "com.example.consumer/com.example.consumer.Main"));
        assertTrue(out.contains("module com.example.consumer"), out);
        assertRunOk(out);
    }

    @Test
    void onTheClassPath_theSameApplicationRuns() throws Exception {
        List<Path> path = new ArrayList<>(libraries);
        path.addAll(List.of(driver, bus, consumer));
        String out = run(List.of("-cp", ThirdPartyBuild.join(path), "com.example.consumer.Main"));
        assertTrue(out.contains("module null"), out);
        assertRunOk(out);
    }

    @Test
    void theLibraryModules_declareNoFileNameModules() throws Exception {
        // jar --describe-module names each library's descriptor: every module it requires must be
        // a real module or carry an Automatic-Module-Name, never one derived from a file name.
        for (Path jar : libraries) {
            String name = jar.getFileName().toString();
            if (!name.startsWith("btclock-")) {
                continue;
            }
            String d = describe(jar);
            assertTrue(d.startsWith("dev.btclock."), name + " has a module descriptor:\n" + d);
            for (String line : d.split("\n")) {
                if (line.startsWith("requires ")) {
                    String module = line.split(" ")[1];
                    assertTrue(module.startsWith("java.") || module.startsWith("dev.btclock.") || module.equals("org.slf4j")
                            || module.equals("com.google.gson") || module.equals("org.zeromq.jeromq")
                            || module.equals("redis.clients.jedis") || module.equals("org.apache.commons.pool2")
                            || module.equals("org.bouncycastle.provider"),
                            name + " requires " + module + ": a module with a stable name is expected\n" + d);
                }
            }
        }
    }

    private static void assertRunOk(String out) {
        assertTrue(out.contains("drivers [binance, bitcoind-rpc, bitcoind-zmq, bitfinex, coinbase, constant, kraken, mempool-ws]"), out);
        assertTrue(out.contains("buses [inproc, loopback, valkey]"), out);
        assertTrue(out.contains("v2 81ab626c6f636b686569676874ce000debd9 BlockHeight[height=912345]"), out);
        assertTrue(out.contains("v1 {\"block\":{\"height\":912345}}"), out);
        assertTrue(out.lines().anyMatch(l -> l.matches("nostr [0-9a-f]{64}")), out);
        assertTrue(out.contains("\nOK"), out);
    }

    private static String describe(Path jar) {
        java.io.StringWriter s = new java.io.StringWriter();
        java.io.PrintWriter w = new java.io.PrintWriter(s);
        int code = java.util.spi.ToolProvider.findFirst("jar").orElseThrow()
                .run(w, w, "--describe-module", "--file", jar.toString());
        w.flush();
        assertEquals(0, code, s.toString());
        return s.toString().replace("\r", "");
    }

    private static String run(List<String> args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the application did not finish within 60 s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
