package dev.btclock.tests;

import dev.btclock.core.Await;
import dev.btclock.core.config.ConfigException;
import dev.btclock.nostr.NostrEvent;
import dev.btclock.server.ServerAssembly;
import dev.btclock.server.ServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The server publishing its data to a relay that requires NIP-42, end to end. */
class NostrPublishingIT {

    static final String KEY = "0b432b2677937381aef05bb02a66ecd012773062cf3fa2549e44f58ed2401710";

    private FakeMempoolServer mempool;
    private FakeRelay relay;
    private ServerAssembly server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (relay != null) {
            relay.close();
        }
        if (mempool != null) {
            mempool.close();
        }
    }

    private Optional<NostrEvent> latest(String d) {
        return relay.stored().stream().filter(e -> e.tags().contains(List.of("d", d)))
                .reduce((a, b) -> b.createdAt() >= a.createdAt() ? b : a);
    }

    @Test
    void changesReachAnAuthRequiringRelay_asSignedKind30078Events() throws Exception {
        mempool = FakeMempoolServer.start();
        relay = FakeRelay.start(FakeRelay.Mode.AUTH_REQUIRED);
        server = TestServer.startHealthy(mempool, Map.of("PUBLISH_TO_NOSTR", "true", "NOSTR_PRIV", KEY,
                "NOSTR_RELAYS", relay.url()));
        Await.until("the three datums on the relay", Duration.ofSeconds(20), () -> latest("blockheight").isPresent()
                && latest("medianFee").isPresent() && latest("price:USD").isPresent(), () -> relay.frames().toString());
        NostrEvent block = latest("blockheight").orElseThrow();
        assertEquals(30078, block.kind());
        assertEquals("870123", block.content());
        assertEquals("25d1dff95105f5253c4022f628a996ad3a0d95fbf21d468a1b33f8c160d8f517", block.pubkey());
        assertTrue(block.verify());
        assertEquals("13", latest("medianFee").orElseThrow().content(), "the stored fee 12.5 → 13, JS number text");
        assertEquals("64212", latest("price:USD").orElseThrow().content());
        assertTrue(relay.authFrames() >= 1);

        mempool.pushBlock(870124, "00000000000000000000bbb", 12.5);
        Await.until("the new height", Duration.ofSeconds(10),
                () -> latest("blockheight").map(e -> e.content().equals("870124")).orElse(false));
        Await.until("counted", Duration.ofSeconds(5), () -> metrics().contains(
                "btclock_nostr_events_delivered_total{relay=\"" + relay.url() + "\"}"));
        String m = metrics();
        assertTrue(m.contains("btclock_nostr_relay_connected{relay=\"" + relay.url() + "\"} 1.0"), m);
        assertTrue(m.contains("btclock_nostr_auth_attempts_total{relay=\"" + relay.url() + "\"} 1.0"), m);
        assertTrue(m.contains("btclock_nostr_auth_failures_total{relay=\"" + relay.url() + "\"} 0.0"), m);
    }

    @Test
    void legacyEvent_whenAskedFor_carriesPriceHeightAndFee() throws Exception {
        mempool = FakeMempoolServer.start();
        relay = FakeRelay.start(FakeRelay.Mode.OPEN);
        server = TestServer.startHealthy(mempool, Map.of("PUBLISH_TO_NOSTR", "true", "NOSTR_PRIV", KEY,
                "NOSTR_RELAYS", relay.url(), "NOSTR_LEGACY_EVENT", "true"));
        Await.until("the legacy event", Duration.ofSeconds(20), () -> relay.stored().stream().anyMatch(e -> e.kind() == 12203),
                () -> relay.frames().toString());
        NostrEvent legacy = relay.stored().stream().filter(e -> e.kind() == 12203).reduce((a, b) -> b).orElseThrow();
        assertEquals("64212", legacy.content());
        assertEquals(List.of(List.of("type", "priceUsd"), List.of("block", "870123"), List.of("medianFee", "13")), legacy.tags());
        assertTrue(legacy.verify());
    }

    @Test
    void noLegacyEvent_byDefault() throws Exception {
        mempool = FakeMempoolServer.start();
        relay = FakeRelay.start(FakeRelay.Mode.OPEN);
        server = TestServer.startHealthy(mempool, Map.of("PUBLISH_TO_NOSTR", "true", "NOSTR_PRIV", KEY, "NOSTR_RELAYS", relay.url()));
        Await.until("the three datums on the relay", Duration.ofSeconds(20), () -> latest("blockheight").isPresent()
                && latest("medianFee").isPresent() && latest("price:USD").isPresent());
        assertTrue(relay.stored().stream().allMatch(e -> e.kind() == 30078), relay.stored().toString());
    }

    @Test
    void aRelayThatNeverAnswers_neverDelaysTheDevices() throws Exception {
        mempool = FakeMempoolServer.start();
        relay = FakeRelay.start(FakeRelay.Mode.SILENT);
        server = TestServer.startHealthy(mempool, Map.of("PUBLISH_TO_NOSTR", "true", "NOSTR_PRIV", KEY, "NOSTR_RELAYS", relay.url()));
        Await.until("a publish waiting for its OK", Duration.ofSeconds(10),
                () -> relay.frames().stream().anyMatch(f -> f.startsWith("[\"EVENT\"")));
        try (WsTestClient device = WsTestClient.connect(server.port(), "/ws")) {
            device.next(3);
            long start = System.nanoTime();
            for (int i = 1; i <= 20; i++) {
                mempool.pushConversions("{\"time\":" + i + ",\"USD\":" + (70000 + 10 * i) + "}");
                assertEquals("{\"bitcoin\":" + (70000 + 10 * i) + "}", device.next().text());
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            // Each publish waits 10 s for an OK that never comes; the devices must not wait with it.
            assertTrue(millis < 5000, "20 prices took " + millis + " ms");
            assertEquals(0, relay.stored().size());
        }
    }

    @Test
    void badKeyOrRelay_stopsTheStart_namingTheVariable_withoutEchoingTheKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> startWith(Map.of(
                "PUBLISH_TO_NOSTR", "true", "NOSTR_PRIV", "nsec1notavalidkeyatallxxxxxxxxxxx", "NOSTR_RELAYS", "https://relay.example")));
        String all = String.join("\n", e.problems());
        assertTrue(all.contains("NOSTR_PRIV") && all.contains("NOSTR_RELAYS"), all);
        assertFalse(all.contains("notavalidkey"), all);
        ConfigException missing = assertThrows(ConfigException.class, () -> startWith(Map.of("PUBLISH_TO_NOSTR", "true")));
        assertEquals(List.of("NOSTR_PRIV is required when PUBLISH_TO_NOSTR=true (64 hex digits or nsec1...)"), missing.problems());
        ConfigException unknown = assertThrows(ConfigException.class, () -> startWith(Map.of("PUBLISHERS", "nostr,mqtt")));
        assertTrue(unknown.problems().contains("unknown publisher \"mqtt\" (PUBLISHERS); available: nostr"), unknown.problems().toString());
        assertTrue(unknown.problems().stream().anyMatch(p -> p.startsWith("NOSTR_PRIV")), "PUBLISHERS=nostr turns Nostr on like PUBLISH_TO_NOSTR");
    }

    /** Starts a server with {@code env} (the problems are found before any port is opened). */
    private static void startWith(Map<String, String> env) throws Exception {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("LISTEN_ADDR", "127.0.0.1:0");
        all.put("METRICS_ADDR", "off");
        TestServer.start(ServerConfig.from(all)).close();
    }

    private String metrics() {
        try {
            return TestServer.get(server.metricsPort(), "/metrics").body();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
