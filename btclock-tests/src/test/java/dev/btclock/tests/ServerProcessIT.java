package dev.btclock.tests;

import dev.btclock.core.Await;
import dev.btclock.nostr.NostrEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shaded jar as operators run it ({@code java -jar btclock-server.jar}): it serves devices,
 * exits 0 within 5 s of SIGTERM after closing clients with 1001, and refuses bad settings with
 * exit code 2 and a message naming the variable.
 */
@BothEngines
class ServerProcessIT {

    @Parameter
    String engine;
    private FakeMempoolServer mempool;
    private ServerProcess server;
    private Process process;

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
    void jarServesDevices_andExits0OnSigterm_afterClosingClientsWith1001() throws Exception {
        launchAgainstFakeMempool();
        int port = server.awaitPort();
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
        String out = server.output();
        assertTrue(out.contains("open-file limit is"), "the start logs the open-file limit:\n" + out);
    }

    @Test
    void theShippedJar_signsNostrEvents_andAnswersAuth() throws Exception {
        // The runnable jar carries only the part of Bouncy Castle that BIP-340 uses: signing and the
        // NIP-42 AUTH event must work from it, not only from the libraries' class path.
        mempool = FakeMempoolServer.start();
        try (FakeRelay relay = FakeRelay.start(FakeRelay.Mode.AUTH_REQUIRED)) {
            server = ServerProcess.launch(Map.of("LISTEN_ADDR", "127.0.0.1:0", "METRICS_ADDR", "off",
                    "MEMPOOL_INSTANCE", mempool.baseUrl(), "PUBLISH_TO_NOSTR", "true",
                    "NOSTR_PRIV", NostrPublishingIT.KEY, "NOSTR_RELAYS", relay.url()));
            process = server.process;
            server.awaitPort();
            Await.until("a signed blockheight event on the relay", Duration.ofSeconds(30),
                    () -> relay.stored().stream().anyMatch(e -> e.tags().contains(List.of("d", "blockheight"))),
                    () -> relay.frames() + "\n" + server.output());
            NostrEvent block = relay.stored().stream().filter(e -> e.tags().contains(List.of("d", "blockheight")))
                    .findFirst().orElseThrow();
            assertTrue(block.verify(), block.toString());
            assertTrue(relay.authFrames() > 0, "the AUTH event was signed and sent");
        }
    }

    @Test
    void sigtermWhileStarting_stillExits0() throws Exception {
        launchAgainstFakeMempool();
        server.awaitLine("open-file limit is"); // logged before the server starts
        process.destroy(); // SIGTERM
        assertTrue(process.waitFor(10, TimeUnit.SECONDS), "exited within 10 s of SIGTERM");
        assertEquals(0, process.exitValue(), () -> "exit code; output:\n" + server.output());
    }

    /** The server jar in its own JVM, on the embedded defaults but for a fake mempool and no metrics port. */
    private void launchAgainstFakeMempool() throws Exception {
        mempool = FakeMempoolServer.start();
        server = ServerProcess.launch(Map.of("LISTEN_ADDR", "127.0.0.1:0", "METRICS_ADDR", "off",
                "MEMPOOL_INSTANCE", mempool.baseUrl(), "WS_ENGINE", engine));
        process = server.process;
    }

    @Test
    void badSettings_stopTheStartWithExit2_namingTheVariable() throws Exception {
        assertRefused(Map.of("WS_QUEUE_FRAMES", "lots"), "WS_QUEUE_FRAMES must be a whole number");
        assertRefused(Map.of("UPSTREAM", "nope"), "UPSTREAM");
        assertRefused(Map.of("WS_ENGINE", "netty"), "unknown WebSocket engine \"netty\" (WS_ENGINE); available: jsr356, native");
        assertRefused(Map.of("PUBLISHERS", "mqtt"), "unknown publisher \"mqtt\" (PUBLISHERS); available: nostr");
    }

    @Test
    void aPasswordInABadUrl_isMaskedInTheConfigurationError() throws Exception {
        assertRefused(Map.of("UPSTREAM", "bitcoind-rpc", "BITCOIND_RPC", "http://user:SECRET@[bad"),
                "BITCOIND_RPC \"http://user:***@[bad\" is not host:port or http://host:port/");
        assertFalse(server.output().contains("SECRET"), server.output());
    }

    private void assertRefused(Map<String, String> bad, String message) throws Exception {
        Map<String, String> env = new java.util.HashMap<>(bad);
        env.put("LISTEN_ADDR", "127.0.0.1:0");
        env.put("METRICS_ADDR", "off");
        server = ServerProcess.launch(env);
        process = server.process;
        assertTrue(process.waitFor(20, TimeUnit.SECONDS), "exited");
        assertEquals(2, process.exitValue());
        Await.until("the error names the variable: " + message, Duration.ofSeconds(5),
                () -> server.output().contains(message));
    }
}
