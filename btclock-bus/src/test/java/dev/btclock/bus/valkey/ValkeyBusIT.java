package dev.btclock.bus.valkey;

import dev.btclock.bus.spi.BusConfig;
import dev.btclock.core.Await;
import dev.btclock.bus.spi.EventBus;
import dev.btclock.core.event.BlockUpdate;
import dev.btclock.core.event.Event;
import dev.btclock.core.event.FeeUpdate;
import dev.btclock.core.event.PriceUpdate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ClientKillParams;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.params.XAddParams;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fleet behaviour of the {@code valkey} bus against a real server that the tests kill and restart. */
class ValkeyBusIT {

    private RedisServerProcess redis;
    private final String prefix = "it-" + UUID.randomUUID().toString().substring(0, 8) + ":";
    private final List<EventBus> buses = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        redis = RedisServerProcess.start();
    }

    @AfterEach
    void stop() {
        buses.forEach(EventBus::close);
        if (redis != null) {
            redis.close();
        }
    }

    static void await(String what, BooleanSupplier condition) {
        Await.until(what, Duration.ofSeconds(30), condition);
    }

    static void await(String what, BooleanSupplier condition, java.util.function.Supplier<String> state) {
        Await.until(what, Duration.ofSeconds(30), condition, state);
    }

    private ValkeyEventBus bus(Map<String, String> extra) {
        Map<String, String> s = new HashMap<>(Map.of("BROKER_URL", redis.url(), "BROKER_PREFIX", prefix,
                "LEADER_LEASE_SECONDS", "5", "BROKER_STALE_SECONDS", "10"));
        s.putAll(extra);
        ValkeyEventBus b = (ValkeyEventBus) new ValkeyBusProvider().create(BusConfig.from(s));
        buses.add(b);
        return b;
    }

    private static boolean fleetLeader(EventBus bus) {
        return bus.status().role() == dev.btclock.bus.spi.BusStatus.Role.LEADER;
    }

    private static List<Event> collect(EventBus bus) {
        List<Event> list = new CopyOnWriteArrayList<>();
        bus.subscribe(list::add);
        return list;
    }

    private static FeeUpdate fee(double f) {
        return new FeeUpdate(f, Instant.EPOCH, "test");
    }

    private static List<Double> fees(List<Event> events) {
        return events.stream().filter(e -> e instanceof FeeUpdate).map(e -> ((FeeUpdate) e).medianFee()).toList();
    }

    @Test
    void oneLeader_everyNodeReceivesTheLeadersEvents() {
        ValkeyEventBus a = bus(Map.of());
        await("a leads", () -> a.leadership().isLeader());
        ValkeyEventBus b = bus(Map.of());
        List<Event> atA = collect(a);
        List<Event> atB = collect(b);
        await("b reading", b::healthy);
        assertFalse(b.leadership().isLeader(), "one leader at a time");

        b.publish(fee(99)); // a follower's publish never reaches the fleet
        for (int i = 1; i <= 50; i++) {
            a.publish(fee(i));
        }
        await("all at a and b", () -> fees(atA).size() == 50 && fees(atB).size() == 50,
                () -> "a: " + fees(atA) + " b: " + fees(atB));
        assertEquals(fees(atA), fees(atB));
        assertEquals(1.0, fees(atB).get(0));
        assertEquals(50.0, fees(atB).get(49));
    }

    @Test
    void leaseLost_theLeaderStepsDown_isFencedOff_andANewLeaderFollowsWithinTheLease() {
        ValkeyEventBus a = bus(Map.of());
        await("a leads", () -> a.leadership().isLeader());
        ValkeyEventBus b = bus(Map.of());
        List<Event> atB = collect(b);
        await("b reading", b::healthy);
        // The lease is taken from a in the broker, as when a stalled past its lease.
        try (Jedis j = redis.client()) {
            j.set(prefix + "leader", "someone-else", SetParams.setParams().px(3000));
        }
        long start = System.nanoTime();
        await("a steps down", () -> !a.leadership().isLeader());
        a.publish(fee(1)); // written while someone else holds the lease: refused by the broker
        await("a new leader once the stolen lease expires", () -> a.leadership().isLeader() || b.leadership().isLeader());
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds < 3 + 1.5, "a leader again after " + seconds + " s with a 3 s lease");
        assertFalse(a.leadership().isLeader() && b.leadership().isLeader(), "never two leaders");
        ValkeyEventBus leader = a.leadership().isLeader() ? a : b;
        leader.publish(fee(2));
        await("the new leader's event", () -> fees(atB).contains(2.0));
        assertFalse(fees(atB).contains(1.0), "the fenced event never reached the fleet");
    }

    @Test
    void brokerRestart_nodesReconnect_andEndOnTheLastPublishedState() throws Exception {
        ValkeyEventBus a = bus(Map.of());
        await("a leads", () -> a.leadership().isLeader());
        ValkeyEventBus b = bus(Map.of());
        List<Event> atB = collect(b);
        a.publish(fee(1));
        await("first", () -> fees(atB).contains(1.0));

        redis.kill();
        await("b sees the broker stale", () -> !b.healthy());
        a.publish(fee(2)); // held in a's outbox while the broker is away
        redis.restart();
        // A fleet leader again: a node standing alone also runs its upstream (isLeader), but what it
        // publishes reaches only its own devices.
        await("leader again", () -> fleetLeader(a) || fleetLeader(b));
        ValkeyEventBus leader = fleetLeader(a) ? a : b;
        leader.publish(new BlockUpdate(903413, "h", Instant.EPOCH, "test"));
        leader.publish(fee(3));
        await("b caught up", () -> !fees(atB).isEmpty() && fees(atB).get(fees(atB).size() - 1) == 3.0
                && atB.stream().anyMatch(e -> e instanceof BlockUpdate u && u.height() == 903413));
        assertTrue(b.healthy());
        assertTrue(b.resnapshots() >= 2, "start and the reset stream");
    }

    @Test
    void trimPastASlowConsumer_isNoticed_reSnapshotted_andCounted() throws Exception {
        ValkeyEventBus a = bus(Map.of("BROKER_MAXLEN", "100"));
        await("a leads", () -> a.leadership().isLeader());
        ValkeyEventBus b = bus(Map.of("BROKER_MAXLEN", "100"));
        List<Event> atB = collect(b);
        a.publish(new PriceUpdate("USD", 64000, Instant.EPOCH, "test"));
        await("b has the price", () -> atB.stream().anyMatch(e -> e instanceof PriceUpdate));

        // Another producer that b has already heard from (as after a leader change)...
        try (Jedis j = redis.client()) {
            j.xadd(prefix + "events", XAddParams.xAddParams().maxLen(100).approximateTrimming(),
                    RedisServerProcess.feeEntry("producer-x", 0, 7.0));
        }
        await("b heard producer-x", () -> fees(atB).contains(7.0));
        // ...then b's reading connection is cut, and while it backs off 2,000 entries of that producer
        // arrive and the stream keeps ~100: b's next read starts far past where it stopped.
        try (Jedis j = redis.client()) {
            String id = redis.clientId("btclock-reader-" + b.nodeId());
            j.set(prefix + "fee", "42.0");
            j.clientKill(ClientKillParams.clientKillParams().id(id));
            // Pipelined: the burst lands well within the reader's reconnect backoff.
            redis.clients.jedis.Pipeline burst = j.pipelined();
            for (int i = 1; i <= 2_000; i++) {
                burst.xadd(prefix + "events", XAddParams.xAddParams().maxLen(100).approximateTrimming(),
                        RedisServerProcess.feeEntry("producer-x", i, i == 2_000 ? 42 : i));
            }
            burst.sync();
        }
        await("gap counted", () -> b.sequenceGaps() >= 1, () -> "b: " + fees(atB).size() + " fees, resnapshots " + b.resnapshots());
        await("b ends on the latest value", () -> !fees(atB).isEmpty() && fees(atB).get(fees(atB).size() - 1) == 42.0);
        // Whatever b read before the trim overtook it, it never went back: values only move forward.
        List<Double> seen = fees(atB);
        for (int i = 1; i < seen.size() - 1; i++) {
            assertTrue(seen.get(i) > seen.get(i - 1) || seen.get(i - 1) == 7.0, "replayed or reordered: " + seen);
        }
    }

    @Test
    void aWriteRetriedAfterItsReplyWasLost_isDeliveredOnce_andIsNotAGap() {
        ValkeyEventBus a = bus(Map.of());
        await("a leads", () -> a.leadership().isLeader());
        ValkeyEventBus b = bus(Map.of());
        List<Event> atB = collect(b);
        await("b reading", b::healthy);
        long resnapshots = b.resnapshots();
        // The same entry twice (same node, same sequence number), as a producer writes it again when
        // the broker's reply to the first XADD was lost; then the producer's next entry.
        try (Jedis j = redis.client()) {
            j.xadd(prefix + "events", XAddParams.xAddParams(), RedisServerProcess.feeEntry("producer-y", 0, 5.0));
            j.xadd(prefix + "events", XAddParams.xAddParams(), RedisServerProcess.feeEntry("producer-y", 0, 5.0));
            j.xadd(prefix + "events", XAddParams.xAddParams(), RedisServerProcess.feeEntry("producer-y", 1, 6.0));
        }
        await("b read the next entry", () -> fees(atB).contains(6.0));
        assertEquals(List.of(5.0, 6.0), fees(atB), "the repeated entry is skipped");
        assertEquals(0, b.sequenceGaps(), "a repeat is not a gap");
        assertEquals(resnapshots, b.resnapshots(), "and costs no re-snapshot");
    }

    @Test
    void aNodeJoiningLate_startsFromTheSnapshot_evenIfItSubscribesAfterReadingIt() {
        ValkeyEventBus a = bus(Map.of());
        await("a leads", () -> a.leadership().isLeader());
        List<Event> atA = collect(a);
        a.publish(new PriceUpdate("EUR", 59123, Instant.EPOCH, "test"));
        a.publish(new BlockUpdate(903412, "h", Instant.EPOCH, "test"));
        a.publish(fee(3.5));
        await("published", () -> fees(atA).contains(3.5));
        ValkeyEventBus late = bus(Map.of());
        await("the late node read its snapshot", late::healthy);
        List<Event> atLate = collect(late);
        await("snapshot delivered", () -> atLate.size() == 3);
        assertTrue(atLate.stream().anyMatch(e -> e instanceof PriceUpdate p && p.currency().equals("EUR") && p.price() == 59123));
        assertTrue(atLate.stream().anyMatch(e -> e instanceof BlockUpdate b && b.height() == 903412 && "h".equals(b.hash())));
        assertEquals(List.of(3.5), fees(atLate));
    }

    @Test
    void unreachableBroker_makesTheBusUnhealthy_notAnError() throws Exception {
        ValkeyEventBus a = bus(Map.of());
        await("healthy", a::healthy);
        redis.kill();
        await("stale", () -> !a.healthy());
        a.publish(fee(1)); // never throws
        redis.restart();
        await("healthy again", a::healthy);
    }
}
