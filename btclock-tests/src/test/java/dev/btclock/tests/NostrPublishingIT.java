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

    private static final String KEY = "0b432b2677937381aef05bb02a66ecd012773062cf3fa2549e44f58ed2401710";

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
                "btclock_nostr_events_total{outcome=\"delivered\",relay=\"" + relay.url() + "\"}"));
        assertTrue(metrics().contains("btclock_nostr_relay_connected{relay=\"" + relay.url() + "\"} 1.0"), metrics());
    }

    @Test
    void badKeyOrRelay_stopsTheStart_namingTheVariable_withoutEchoingTheKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> ServerConfig.from(Map.of(
                "PUBLISH_TO_NOSTR", "true", "NOSTR_PRIV", "nsec1notavalidkeyatallxxxxxxxxxxx", "NOSTR_RELAYS", "https://relay.example")));
        String all = String.join("\n", e.problems());
        assertTrue(all.contains("NOSTR_PRIV") && all.contains("NOSTR_RELAYS"), all);
        assertFalse(all.contains("notavalidkey"), all);
        ConfigException missing = assertThrows(ConfigException.class, () -> ServerConfig.from(Map.of("PUBLISH_TO_NOSTR", "true")));
        assertEquals(List.of("NOSTR_PRIV is required when PUBLISH_TO_NOSTR=true (64 hex digits or nsec1...)"), missing.problems());
    }

    private String metrics() {
        try {
            return TestServer.get(server.metricsPort(), "/metrics").body();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
