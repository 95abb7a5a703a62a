package dev.btclock.upstream.failover;

import dev.btclock.core.event.BlockUpdate;
import dev.btclock.core.event.Event;
import dev.btclock.core.event.FeeUpdate;
import dev.btclock.core.event.PriceUpdate;
import dev.btclock.upstream.price.PriceMedian;
import dev.btclock.upstream.spi.DataKind;
import dev.btclock.upstream.spi.DriverHealth;
import dev.btclock.upstream.spi.UpstreamDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The failover rules with hand-driven drivers and a clock the test moves: no waiting for grace windows. */
class UpstreamSupervisorTest {

    /** A clock the test sets. */
    static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-11-23T12:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    /** A driver the test pushes events through; its health follows what it was told. */
    final class Scripted implements UpstreamDriver {
        final String name;
        final Set<DataKind> kinds;
        volatile boolean connected = true;
        volatile Instant last;
        Consumer<Event> sink;
        int closes;

        Scripted(String name, Set<DataKind> kinds) {
            this.name = name;
            this.kinds = kinds;
        }

        void emit(Event e) {
            last = clock.now;
            sink.accept(e);
        }

        void block(long h) {
            emit(new BlockUpdate(h, "h" + h, clock.now, name));
        }

        void fee(double f) {
            emit(new FeeUpdate(f, clock.now, name));
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Set<DataKind> kinds() {
            return kinds;
        }

        @Override
        public void start(Consumer<Event> sink) {
            this.sink = sink;
        }

        @Override
        public DriverHealth health() {
            return new DriverHealth(connected, last, connected ? "connected" : "down");
        }

        @Override
        public void close() {
            closes++;
        }
    }

    private final ManualClock clock = new ManualClock();
    private final Scripted primary = new Scripted("bitcoind-zmq", EnumSet.of(DataKind.BLOCK, DataKind.FEE));
    private final Scripted secondary = new Scripted("mempool-ws", EnumSet.allOf(DataKind.class));
    private final List<Event> out = new CopyOnWriteArrayList<>();
    private UpstreamSupervisor sup;

    @AfterEach
    void close() {
        if (sup != null) {
            sup.close();
        }
    }

    private void start() {
        sup = new UpstreamSupervisor(Map.of(
                DataKind.BLOCK, List.of(primary, secondary),
                DataKind.FEE, List.of(primary, secondary),
                DataKind.PRICE, List.of(secondary)), UpstreamSupervisor.defaultGrace(), clock);
        sup.start(out::add);
    }

    private List<String> seen() {
        return out.stream().map(e -> e instanceof BlockUpdate b ? "block " + b.height() + " " + b.source()
                : e instanceof FeeUpdate f ? "fee " + f.medianFee() + " " + f.source()
                : "price " + ((PriceUpdate) e).currency() + " " + e.source()).toList();
    }

    @Test
    void primaryServes_secondarysValuesAreHeldBack() {
        start();
        primary.block(100);
        primary.fee(5);
        secondary.block(100);
        secondary.fee(6);
        secondary.emit(new PriceUpdate("USD", 64212, clock.now, "mempool-ws"));
        assertEquals(List.of("block 100 bitcoind-zmq", "fee 5.0 bitcoind-zmq", "price USD mempool-ws"), seen());
        assertSame(primary, sup.active(DataKind.BLOCK));
        assertSame(secondary, sup.active(DataKind.PRICE));
    }

    @Test
    void silentPrimary_feesSwitchAfter10s_blocksAfter30s_andBack() {
        start();
        primary.block(100);
        primary.fee(5);
        secondary.block(100);
        secondary.fee(6);
        out.clear();

        clock.advance(Duration.ofSeconds(9));
        secondary.fee(6.5);
        assertTrue(out.isEmpty(), "within the grace window nothing switches");

        clock.advance(Duration.ofSeconds(2));
        secondary.fee(7);
        assertEquals(List.of("fee 7.0 mempool-ws"), seen(), "fees switch after 10 s of silence");
        assertSame(primary, sup.active(DataKind.BLOCK));

        clock.advance(Duration.ofSeconds(20));
        secondary.block(101);
        assertEquals(List.of("fee 7.0 mempool-ws", "block 101 mempool-ws"), seen(), "blocks after 30 s");

        // The primary comes back, with the same tip: it takes over, nothing is repeated.
        out.clear();
        primary.block(101);
        primary.fee(7.25);
        assertSame(primary, sup.active(DataKind.BLOCK));
        assertSame(primary, sup.active(DataKind.FEE));
        assertEquals(List.of("fee 7.25 bitcoind-zmq"), seen());
    }

    @Test
    void switch_neverSendsALowerOrDuplicateHeight_butAReorgOfTheActiveSourcePasses() {
        start();
        primary.block(100);
        secondary.block(99);
        primary.connected = false;
        sup.evaluate();
        assertEquals(List.of("block 100 bitcoind-zmq"), seen(), "the lagging secondary's 99 is not sent");
        secondary.block(100);
        secondary.block(101);
        assertEquals(List.of("block 100 bitcoind-zmq", "block 101 mempool-ws"), seen());
        // A reorg reported by the source that is serving blocks passes.
        secondary.emit(new BlockUpdate(101, "other", clock.now, "mempool-ws"));
        assertEquals(3, out.size());
    }

    @Test
    void theEventThatBringsADriverBack_isForwardedOnce() {
        start();
        primary.block(100);
        primary.connected = false;
        secondary.block(101);
        sup.evaluate();
        clock.advance(Duration.ofSeconds(31));
        secondary.block(102);
        primary.connected = true;
        primary.block(103);
        assertEquals(List.of("block 100 bitcoind-zmq", "block 101 mempool-ws", "block 102 mempool-ws",
                "block 103 bitcoind-zmq"), seen());
    }

    @Test
    void health_isDownOnlyWhenNoDriverCanServe() {
        start();
        primary.block(1);
        primary.connected = false;
        assertTrue(sup.health().connected());
        secondary.connected = false;
        assertFalse(sup.health().connected());
        assertTrue(sup.health().detail().contains("bitcoind-zmq: down"));
    }

    @Test
    void close_closesEveryDriverOnce() {
        start();
        sup.close();
        sup.close();
        assertEquals(1, primary.closes);
        assertEquals(1, secondary.closes);
    }

    @Test
    void aDriverCannotServeAKindItLacks() {
        assertThrows(IllegalArgumentException.class, () -> new UpstreamSupervisor(
                Map.of(DataKind.PRICE, List.of(primary)), UpstreamSupervisor.defaultGrace(), clock));
    }

    @Test
    void medianMode_everyPriceDriverCounts_aDisconnectedOnesQuotesAtOnceNoMore() {
        Scripted kraken = new Scripted("kraken", EnumSet.of(DataKind.PRICE));
        Scripted coinbase = new Scripted("coinbase", EnumSet.of(DataKind.PRICE));
        PriceMedian median = new PriceMedian(List.of("kraken", "coinbase", "mempool-ws"), Duration.ofSeconds(60), Map.of(),
                0.02, Duration.ofSeconds(5));
        sup = new UpstreamSupervisor(Map.of(
                DataKind.BLOCK, List.of(secondary),
                DataKind.FEE, List.of(secondary),
                DataKind.PRICE, List.of(kraken, coinbase, secondary)), UpstreamSupervisor.defaultGrace(), median, clock);
        sup.start(out::add);

        kraken.emit(new PriceUpdate("USD", 100_000, clock.now, "kraken"));
        coinbase.emit(new PriceUpdate("USD", 100_040, clock.now, "coinbase"));
        secondary.emit(new PriceUpdate("USD", 100_020, clock.now, "mempool-ws"));
        assertEquals(List.of(), out, "prices wait for the evaluation");
        sup.evaluate();
        assertEquals(List.of(new PriceUpdate("USD", 100_020, clock.now, PriceMedian.SOURCE)), out);
        assertEquals(PriceMedian.SOURCE, sup.serving(DataKind.PRICE));
        assertEquals(null, sup.active(DataKind.PRICE));

        out.clear();
        secondary.connected = false;
        clock.advance(Duration.ofSeconds(5));
        sup.evaluate();
        assertEquals(List.of(new PriceUpdate("USD", 100_020, clock.now, PriceMedian.SOURCE)), out,
                "mempool-ws left: the mean of the other two, still 100 020, confirmed after 5 s");
        out.clear();
        kraken.connected = false;
        clock.advance(Duration.ofSeconds(5));
        sup.evaluate();
        assertEquals(100_040, ((PriceUpdate) out.get(0)).price(), "only coinbase counts now");
        out.clear();
        coinbase.connected = false;
        clock.advance(Duration.ofSeconds(5));
        sup.evaluate();
        assertEquals(List.of(), out, "nobody fresh: nothing is pushed");
        assertTrue(sup.kinds().contains(DataKind.PRICE));
    }

    @Test
    void medianMode_quotesFromADriverNotConnectedYet_count_thoseFromBeforeALossDoNot() {
        Scripted mempool = new Scripted("mempool-ws", EnumSet.allOf(DataKind.class));
        mempool.connected = false;
        PriceMedian median = new PriceMedian(List.of("mempool-ws"), Duration.ofSeconds(60), Map.of(), 0.02, Duration.ofSeconds(5));
        sup = new UpstreamSupervisor(Map.of(DataKind.BLOCK, List.of(mempool), DataKind.FEE, List.of(mempool),
                DataKind.PRICE, List.of(mempool)), UpstreamSupervisor.defaultGrace(), median, clock);
        sup.start(out::add);

        mempool.emit(new PriceUpdate("USD", 100_000, clock.now, "mempool-ws"));
        clock.advance(Duration.ofSeconds(1));
        sup.evaluate();
        assertEquals(100_000, ((PriceUpdate) out.get(0)).price(), "a REST bootstrap before the WebSocket is up counts");

        mempool.connected = true;
        sup.evaluate();
        mempool.connected = false;
        clock.advance(Duration.ofSeconds(5));
        out.clear();
        sup.evaluate();
        assertEquals(List.of(), out, "lost: its quotes from before no longer count");
        clock.advance(Duration.ofSeconds(1));
        mempool.emit(new PriceUpdate("USD", 100_100, clock.now, "mempool-ws"));
        clock.advance(Duration.ofSeconds(1));
        sup.evaluate();
        assertEquals(100_100, ((PriceUpdate) out.get(0)).price(), "the bootstrap of its reconnect counts again");
    }
}
