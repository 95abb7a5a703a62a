package dev.btclock.tests;

import dev.btclock.core.Await;
import dev.btclock.core.codec.ServerFrame;
import dev.btclock.core.codec.V2Codec;
import dev.btclock.core.codec.V2Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Plugins in the shipped server: a third-party driver and bus, compiled against the published
 * libraries, dropped as jars into the plugin directory of the runnable jar ({@code java -jar}, the
 * way systemd and the Docker image start it) and chosen with {@code UPSTREAM} and {@code BROKER};
 * devices get the driver's values through the plugin bus.
 */
class PluginDirectoryIT {

    @TempDir
    static Path work;
    private static Path plugins;
    private ServerProcess server;

    @BeforeAll
    static void buildPlugins() throws Exception {
        List<Path> libraries = ThirdPartyBuild.libraryModulePath();
        plugins = Files.createDirectories(work.resolve("plugins"));
        ThirdPartyBuild.jar("constant-driver", libraries, plugins);
        ThirdPartyBuild.jar("loopback-bus", libraries, plugins);
        try (var files = Files.list(plugins)) {
            for (Path p : files.filter(Files::isDirectory).toList()) {
                deleteTree(p);
            }
        }
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aThirdPartyDriverAndBus_fromThePluginDirectory_serveDevices() throws Exception {
        server = ServerProcess.launch(env(Map.of("PLUGIN_DIR", plugins.toString(), "UPSTREAM", "constant",
                "BROKER", "loopback", "CONSTANT_PRICE", "54321.4", "CONSTANT_HEIGHT", "912345")));
        int port = server.awaitPort();
        Await.until("the driver's fee, its last value, served", Duration.ofSeconds(15), () -> {
            try {
                return TestServer.get(port, "/api/lastfee").statusCode() == 200;
            } catch (Exception e) {
                return false;
            }
        });
        try (WsTestClient v1 = WsTestClient.connect(port, "/ws")) {
            assertEquals("{\"bitcoin\":54321}", v1.next().text());
            assertEquals("{\"block\":{\"height\":912345}}", v1.next().text());
            assertEquals("{\"mempool-blocks\":[{\"medianFee\":7}]}", v1.next().text());
        }
        try (WsTestClient v2 = WsTestClient.connect(port, "/api/v2/ws")) {
            assertEquals(Optional.of(new ServerFrame.Message("Welcome")), V2Codec.decodeFrame(v2.next().payload()));
            v2.sendBinary(V2Codec.request(new V2Request(V2Request.Action.SUBSCRIBE, "blockheight", null)));
            assertEquals(Optional.of(new ServerFrame.BlockHeight(912345)), V2Codec.decodeFrame(v2.next().payload()));
        }
        String out = server.output();
        assertTrue(out.contains("plugin jars from " + plugins.toAbsolutePath() + " (PLUGIN_DIR): [constant-driver.jar, loopback-bus.jar]"), out);
        assertTrue(out.contains("running [constant]") && out.contains("using loopback (BROKER)"), out);
    }

    @Test
    void theDefaultDirectory_isPluginsInTheWorkingDirectory_andMayBeAbsent() throws Exception {
        // No PLUGIN_DIR and no ./plugins: the built-in providers only, and the unknown name is reported.
        server = ServerProcess.launch(env(Map.of("UPSTREAM", "constant")));
        assertTrue(server.process.waitFor(30, TimeUnit.SECONDS), "exited");
        assertEquals(2, server.process.exitValue(), server.output());
        Await.until("names the setting and the available drivers", Duration.ofSeconds(5), () -> server.output()
                .contains("unknown upstream driver \"constant\" (UPSTREAM); available: binance, bitcoind-rpc, bitcoind-zmq, bitfinex, coinbase, kraken, mempool-ws"));
    }

    @Test
    void aMissingDirectoryThatWasAskedFor_stopsTheStart_namingTheSetting() throws Exception {
        server = ServerProcess.launch(env(Map.of("PLUGIN_DIR", work.resolve("nowhere").toString())));
        assertTrue(server.process.waitFor(30, TimeUnit.SECONDS), "exited");
        assertEquals(2, server.process.exitValue(), server.output());
        Await.until("names PLUGIN_DIR", Duration.ofSeconds(5),
                () -> server.output().contains("PLUGIN_DIR: " + work.resolve("nowhere").toAbsolutePath() + " does not exist"));
    }

    @Test
    void aBrokenPluginJar_stopsTheStart_namingTheProvider() throws Exception {
        // A services file naming a class the jar does not contain: a plugin built wrong.
        Path broken = Files.createDirectories(work.resolve("broken"));
        Path classes = Files.createDirectories(work.resolve("broken-classes/META-INF/services"));
        Files.writeString(classes.resolve("dev.btclock.upstream.spi.UpstreamDriverProvider"), "com.example.Missing\n");
        int code = java.util.spi.ToolProvider.findFirst("jar").orElseThrow().run(System.out, System.err,
                "--create", "--file", broken.resolve("broken.jar").toString(), "-C", work.resolve("broken-classes").toString(), ".");
        assertEquals(0, code);
        server = ServerProcess.launch(env(Map.of("PLUGIN_DIR", broken.toString())));
        assertTrue(server.process.waitFor(30, TimeUnit.SECONDS), "exited");
        assertEquals(2, server.process.exitValue(), server.output());
        Await.until("names the broken provider", Duration.ofSeconds(5),
                () -> server.output().contains("upstream driver provider failed to load")
                        && server.output().contains("com.example.Missing"));
    }

    private static Map<String, String> env(Map<String, String> more) {
        Map<String, String> env = new HashMap<>(more);
        env.put("LISTEN_ADDR", "127.0.0.1:0");
        env.put("METRICS_ADDR", "off");
        return env;
    }

    private static void deleteTree(Path p) throws java.io.IOException {
        try (var walk = Files.walk(p)) {
            for (Path f : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
