package dev.btclock.tests;

import dev.btclock.core.Await;
import dev.btclock.nostr.BtclockEvents;
import dev.btclock.nostr.NostrEvent;
import dev.btclock.nostr.NostrKeys;
import dev.btclock.nostr.RelayClient;
import dev.btclock.nostr.RelayClient.Outcome;
import dev.btclock.nostr.RelayPool;
import dev.btclock.nostr.RelayStats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The relay pool: parallel publishes with a result per relay, re-sends of the identical event, pings. */
class RelayPoolIT {

    private static final NostrKeys KEYS = NostrKeys.parse("0b432b2677937381aef05bb02a66ecd012773062cf3fa2549e44f58ed2401710");
    /** Fast timing: 1 s OK timeout, 300 ms pings, re-sends after 100-200, 200-400 ms..., 4 sends. */
    private static final RelayPool.Timing FAST = new RelayPool.Timing(Duration.ofSeconds(1), Duration.ofMillis(300),
            Duration.ofMillis(200), Duration.ofSeconds(1), 4, Duration.ofSeconds(1));

    private final List<AutoCloseable> open = new ArrayList<>();
    private RelayPool pool;

    @AfterEach
    void stop() throws Exception {
        if (pool != null) {
            pool.close();
        }
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private FakeRelay relay(FakeRelay.Mode mode) throws Exception {
        FakeRelay r = FakeRelay.start(mode);
        open.add(r);
        return r;
    }

    private RelayPool pool(String... urls) {
        pool = new RelayPool(KEYS, java.util.Arrays.stream(urls).map(URI::create).toList(), Clock.systemUTC(), FAST);
        pool.start();
        Await.until("every relay connected", Duration.ofSeconds(10), () -> !pool.connected().containsValue(false));
        return pool;
    }

    private static NostrEvent block(long height) {
        return BtclockEvents.blockheight(height, 12.0).sign(KEYS, Clock.systemUTC().instant().getEpochSecond(), new byte[32]);
    }

    private static List<String> eventFrames(FakeRelay r) {
        return r.frames().stream().filter(f -> f.startsWith("[\"EVENT\"")).toList();
    }

    @Test
    void onePublish_reachesEveryRelay_withAResultPerRelay() throws Exception {
        FakeRelay good = relay(FakeRelay.Mode.OPEN);
        FakeRelay restricted = relay(FakeRelay.Mode.RESTRICTED);
        pool(good.url(), restricted.url());
        NostrEvent e = block(870123);
        List<RelayClient.Result> results = pool.publish(e).get(20, TimeUnit.SECONDS);

        assertEquals(List.of(good.url(), restricted.url()), results.stream().map(RelayClient.Result::relay).toList());
        assertEquals(Outcome.DELIVERED, results.get(0).outcome());
        assertEquals(Outcome.REJECTED, results.get(1).outcome());
        assertEquals("restricted", results.get(1).code());
        NostrEvent stored = good.stored().get(0);
        assertEquals(e, stored);
        assertTrue(stored.verify());
        assertTrue(stored.tags().contains(List.of("d", "blockheight")));
        assertEquals("870123", stored.content());

        Map<String, RelayStats> stats = pool.stats();
        assertEquals(1, stats.get(good.url()).delivered());
        assertEquals(Map.of("restricted", 1L), stats.get(restricted.url()).failures());
        assertEquals(1, stats.get(restricted.url()).authAttempts());
        assertEquals(0, stats.get(restricted.url()).authFailures(), "AUTH itself was accepted");
        assertEquals(0, stats.get(restricted.url()).retries(), "a rejection is final");
    }

    @Test
    void rateLimited_backsOff_thenSendsTheIdenticalEventAgain() throws Exception {
        FakeRelay r = relay(FakeRelay.Mode.RATE_LIMITED_TWICE);
        pool(r.url());
        RelayClient.Result result = pool.publish(block(870123)).get(20, TimeUnit.SECONDS).get(0);

        assertEquals(Outcome.DELIVERED, result.outcome());
        List<String> sends = eventFrames(r);
        assertEquals(3, sends.size());
        assertEquals(1, sends.stream().distinct().count(), "the same signed event each time");
        List<Long> at = r.frameNanos();
        assertTrue(at.get(1) - at.get(0) >= TimeUnit.MILLISECONDS.toNanos(100), "the first re-send waits at least half the base");
        assertTrue(at.get(2) - at.get(1) >= TimeUnit.MILLISECONDS.toNanos(200), "the second waits longer");
        assertEquals(2, pool.stats().get(r.url()).retries());
        assertEquals(1, pool.stats().get(r.url()).delivered());
    }

    @Test
    void noOk_isSentAgainAfterTheTimeout_andThenDelivered() throws Exception {
        FakeRelay r = relay(FakeRelay.Mode.SILENT_ONCE);
        pool(r.url());
        RelayClient.Result result = pool.publish(block(870123)).get(20, TimeUnit.SECONDS).get(0);

        assertEquals(Outcome.DELIVERED, result.outcome());
        assertEquals(2, eventFrames(r).size());
        assertEquals(1, eventFrames(r).stream().distinct().count());
        assertEquals(1, r.stored().size());
    }

    @Test
    void aConnectionDroppedBeforeEveryOk_failsAfterTheLastSend_neverSucceeds() throws Exception {
        FakeRelay r = relay(FakeRelay.Mode.DROP);
        pool(r.url());
        RelayClient.Result result = pool.publish(block(870123)).get(30, TimeUnit.SECONDS).get(0);

        assertEquals(Outcome.FAILED, result.outcome());
        assertTrue(eventFrames(r).size() >= 2, "sent again after reconnecting: " + eventFrames(r).size());
        assertEquals(1, eventFrames(r).stream().distinct().count());
        assertEquals(1, pool.stats().get(r.url()).failures().values().stream().mapToLong(Long::longValue).sum());
        assertEquals(0, pool.stats().get(r.url()).delivered());
    }

    @Test
    void aNewerEventForTheSameD_replacesTheRetryOfTheOlderOne() throws Exception {
        FakeRelay r = relay(FakeRelay.Mode.SILENT);
        pool(r.url());
        var older = pool.publish(block(870123));
        Await.until("the first send", Duration.ofSeconds(5), () -> eventFrames(r).size() == 1);
        var newer = pool.publish(block(870124));

        assertEquals(Outcome.SUPERSEDED, older.get(20, TimeUnit.SECONDS).get(0).outcome());
        RelayClient.Result last = newer.get(20, TimeUnit.SECONDS).get(0);
        assertEquals(Outcome.FAILED, last.outcome());
        assertEquals("timeout", last.code());
        assertEquals(1, pool.stats().get(r.url()).superseded());
        assertEquals(Map.of("timeout", 1L), pool.stats().get(r.url()).failures());
    }

    @Test
    void pingsKeepAQuietConnectionOpen() throws Exception {
        RawRelay r = new RawRelay(true);
        open.add(r);
        pool(r.url());
        Await.until("eight pings answered", Duration.ofSeconds(10), () -> r.pings() >= 8);
        assertEquals(1, r.connections(), "never dropped while pongs come back");
        assertTrue(pool.anyConnected());
    }

    @Test
    void aRelayThatStopsAnswering_isDroppedAndReconnected() throws Exception {
        RawRelay r = new RawRelay(false);
        open.add(r);
        pool(r.url());
        Await.until("a second connection", Duration.ofSeconds(10), () -> r.connections() >= 2);
        assertTrue(r.closedByClient() >= 1, "the silent connection was closed by the client");
        assertTrue(r.pings() >= 1, "pinged before giving up: " + r.pings());
    }
}
