package dev.btclock.tests;

import dev.btclock.nostr.BtclockEvents;
import dev.btclock.nostr.NostrEvent;
import dev.btclock.nostr.NostrKeys;
import dev.btclock.nostr.RelayClient;
import dev.btclock.nostr.RelayStats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** NIP-01 publishing and NIP-42 AUTH against a fake relay in every mode docs/nostr.md §6.3 lists. */
class RelayClientIT {

    private static final NostrKeys KEYS = NostrKeys.parse("0b432b2677937381aef05bb02a66ecd012773062cf3fa2549e44f58ed2401710");

    private FakeRelay relay;
    private RelayClient client;
    private final RelayStats stats = new RelayStats();

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (relay != null) {
            relay.close();
        }
    }

    private RelayClient.Result publish(FakeRelay.Mode mode) throws Exception {
        relay = FakeRelay.start(mode);
        client = new RelayClient(URI.create(relay.url()), KEYS, Clock.systemUTC(), Duration.ofSeconds(2), Duration.ofSeconds(30),
                stats, null);
        client.connect().get(5, TimeUnit.SECONDS);
        NostrEvent e = BtclockEvents.blockheight(870123, 12.0).sign(KEYS, Clock.systemUTC().instant().getEpochSecond(), new byte[32]);
        RelayClient.Result r = client.publish(e).get(15, TimeUnit.SECONDS);
        // What the relay kept, read back: the very event when it was accepted, nothing otherwise.
        boolean stores = r.outcome() == RelayClient.Outcome.DELIVERED && mode != FakeRelay.Mode.DUPLICATE;
        assertEquals(stores ? List.of(e) : List.of(), relay.stored(), "stored events in mode " + mode);
        for (NostrEvent kept : relay.stored()) {
            assertTrue(kept.verify());
            assertEquals(30078, kept.kind());
            assertEquals("870123", kept.content());
            assertTrue(kept.tags().contains(List.of("d", "blockheight")), kept.tags().toString());
        }
        return r;
    }

    @Test
    void openRelay_delivers_withoutAnyAuth() throws Exception {
        assertEquals(RelayClient.Outcome.DELIVERED, publish(FakeRelay.Mode.OPEN).outcome());
        assertEquals(0, relay.authFrames());
        assertEquals(1, relay.stored().size());
    }

    @Test
    void challengeOnConnectButNeverRequired_sendsNoAuth() throws Exception {
        assertEquals(RelayClient.Outcome.DELIVERED, publish(FakeRelay.Mode.CHALLENGE_NOT_REQUIRED).outcome());
        assertEquals(0, relay.authFrames(), "no AUTH just because a challenge arrived");
    }

    @Test
    void authRequired_authenticates_thenResendsTheIdenticalEvent() throws Exception {
        assertEquals(RelayClient.Outcome.DELIVERED, publish(FakeRelay.Mode.AUTH_REQUIRED).outcome());
        assertEquals(1, relay.authFrames());
        assertEquals(3, relay.frames().size(), "EVENT, AUTH, the same EVENT");
        assertEquals(relay.frames().get(0), relay.frames().get(2), "identical event, not re-signed");
        assertEquals(1, stats.authAttempts());
        assertEquals(0, stats.authFailures());
    }

    @Test
    void manyPublishesNeedingAuthAtOnce_shareOneAuth() throws Exception {
        relay = FakeRelay.start(FakeRelay.Mode.AUTH_REQUIRED);
        client = new RelayClient(URI.create(relay.url()), KEYS, Clock.systemUTC(), Duration.ofSeconds(2));
        client.connect().get(5, TimeUnit.SECONDS);
        long now = Clock.systemUTC().instant().getEpochSecond();
        var results = java.util.stream.IntStream.range(0, 5)
                .mapToObj(i -> client.publish(BtclockEvents.price("USD", 64000 + i, null, null).sign(KEYS, now, new byte[32])))
                .toList();
        for (var r : results) {
            assertEquals(RelayClient.Outcome.DELIVERED, r.get(15, TimeUnit.SECONDS).outcome());
        }
        assertEquals(1, relay.authFrames());
        assertEquals(5, relay.stored().size());
    }

    @Test
    void authRequired_challengeOnlyAfterTheRejection_stillWorks() throws Exception {
        assertEquals(RelayClient.Outcome.DELIVERED, publish(FakeRelay.Mode.AUTH_REQUIRED_LATE_CHALLENGE).outcome());
        assertEquals(1, relay.authFrames());
    }

    @Test
    void restrictedKey_isARejection() throws Exception {
        RelayClient.Result r = publish(FakeRelay.Mode.RESTRICTED);
        assertEquals(RelayClient.Outcome.REJECTED, r.outcome());
        assertEquals("restricted", r.code());
        assertTrue(r.reason().startsWith("restricted:"), r.reason());
    }

    @Test
    void refusedAuth_isARejection_withTheRelaysReason() throws Exception {
        RelayClient.Result r = publish(FakeRelay.Mode.AUTH_REFUSED);
        assertEquals(RelayClient.Outcome.REJECTED, r.outcome());
        assertEquals("auth-refused", r.code());
        assertEquals("AUTH refused: invalid: the challenge string is wrong", r.reason());
        assertEquals(1, stats.authAttempts());
        assertEquals(1, stats.authFailures());
        assertEquals(2, relay.frames().size(), "no retry after a refused AUTH");
    }

    @Test
    void aSecondAuthRequired_isARejection_afterOneAuthAndOneResend() throws Exception {
        RelayClient.Result r = publish(FakeRelay.Mode.AUTH_IGNORED);
        assertEquals(RelayClient.Outcome.REJECTED, r.outcome());
        assertEquals("auth-required", r.code());
        assertEquals(3, relay.frames().size(), "EVENT, AUTH, EVENT, and no more");
        assertEquals(1, relay.authFrames());
    }

    @Test
    void noOk_orDroppedConnection_isAFailure_neverSuccess() throws Exception {
        RelayClient.Result silent = publish(FakeRelay.Mode.SILENT);
        assertEquals(RelayClient.Outcome.FAILED, silent.outcome());
        assertEquals("no OK within 2 s", silent.reason());
        assertEquals("timeout", silent.code());
        stop();
        RelayClient.Result dropped = publish(FakeRelay.Mode.DROP);
        assertEquals(RelayClient.Outcome.FAILED, dropped.outcome());
        assertTrue(dropped.reason().startsWith("connection closed before the OK"), dropped.reason());
        assertEquals("disconnected", dropped.code());
    }

    @Test
    void duplicateIsDelivered_rateLimitedAsksToBackOff() throws Exception {
        assertEquals(RelayClient.Outcome.DELIVERED, publish(FakeRelay.Mode.DUPLICATE).outcome());
        stop();
        RelayClient.Result limited = publish(FakeRelay.Mode.RATE_LIMITED);
        assertEquals(RelayClient.Outcome.RATE_LIMITED, limited.outcome());
        assertTrue(limited.retryable());
    }
}
