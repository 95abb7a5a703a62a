package dev.btclock.upstream.spi;

import dev.btclock.core.Await;
import dev.btclock.core.event.BlockUpdate;
import dev.btclock.core.event.Event;
import dev.btclock.core.event.FeeUpdate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bar every upstream driver meets, run by a short subclass per driver against a fake that
 * speaks its upstream's real protocol: events from canned data, malformed data skipped without
 * losing the connection's later data, reconnection after the upstream drops, an idempotent
 * {@code close}, and no thread left behind.
 */
public abstract class UpstreamDriverContract {

    /** A scripted upstream and a way to point a driver at it. */
    public interface Fixture extends AutoCloseable {
        /** A new, unstarted driver reading this upstream. */
        UpstreamDriver newDriver();

        /** The upstream's tip becomes {@code height} (announced the way the real upstream would). */
        void tip(long height) throws Exception;

        /** The median fee the driver should report for the fixture's canned mempool. */
        double expectedFee();

        /** The upstream sends data the driver cannot read. */
        void sendMalformed() throws Exception;

        /** The upstream goes away (connections refused or dropped). */
        void drop() throws Exception;

        /** The upstream is back, on the same address. */
        void restore() throws Exception;

        @Override
        void close();
    }

    /** Starts a fresh fake upstream whose tip is {@link #FIRST_HEIGHT}. */
    protected abstract Fixture fixture() throws Exception;

    /** The height every fixture starts with. */
    protected static final long FIRST_HEIGHT = 903412;

    private static final Duration DEADLINE = Duration.ofSeconds(20);

    private Fixture fixture;
    private UpstreamDriver driver;
    private final List<Event> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startFixture() throws Exception {
        fixture = fixture();
    }

    @AfterEach
    void stopAll() {
        if (driver != null) {
            driver.close();
        }
        fixture.close();
    }

    private void startDriver() {
        driver = fixture.newDriver();
        driver.start(events::add);
    }

    private boolean sawHeight(long h) {
        return events.stream().anyMatch(e -> e instanceof BlockUpdate b && b.height() == h);
    }

    private boolean sawFee(double f) {
        return events.stream().anyMatch(e -> e instanceof FeeUpdate u && u.medianFee() == f);
    }

    @Test
    void cannedData_becomesEvents_taggedWithTheDriversName() {
        startDriver();
        await("block and fee", () -> sawHeight(FIRST_HEIGHT) && sawFee(fixture.expectedFee()));
        assertTrue(events.stream().allMatch(e -> e.source().equals(driver.name())), events::toString);
        await("connected", () -> driver.health().connected());
        assertTrue(driver.health().lastEvent() != null);
    }

    @Test
    void malformedData_isSkipped_andLaterDataStillFlows() throws Exception {
        startDriver();
        await("first block", () -> sawHeight(FIRST_HEIGHT));
        fixture.sendMalformed();
        fixture.tip(FIRST_HEIGHT + 1);
        await("the next block after malformed data", () -> sawHeight(FIRST_HEIGHT + 1));
    }

    @Test
    void upstreamDrops_driverReconnects_andCatchesUp() throws Exception {
        startDriver();
        await("connected", () -> sawHeight(FIRST_HEIGHT) && driver.health().connected());
        fixture.drop();
        await("seen as down", () -> !driver.health().connected());
        fixture.restore();
        fixture.tip(FIRST_HEIGHT + 2);
        await("back, with the new tip", () -> sawHeight(FIRST_HEIGHT + 2) && driver.health().connected());
    }

    @Test
    void close_isIdempotent_andStartTwiceIsRefused() {
        startDriver();
        assertThrows(IllegalStateException.class, () -> driver.start(e -> { }));
        driver.close();
        driver.close();
        assertFalse(driver.health().connected());
    }

    @Test
    void close_leavesNoThreadBehind() throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        startDriver();
        await("running", () -> sawHeight(FIRST_HEIGHT));
        driver.close();
        driver = null;
        // JDK HttpClient's selector thread ends once its client is unreachable: let the GC see that.
        await("no new live thread", () -> {
            System.gc();
            return newThreads(before).isEmpty();
        }, () -> newThreads(before).toString());
    }

    private static Set<String> newThreads(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !before.contains(t))
                // Started lazily by the fake's HTTP server, or the JDK's shared keep-alive cache: not the driver's.
                // On Java 17 java.net.http.HttpClient cannot be closed (close() arrived in 21): its selector thread
                // ends only when the GC collects the client, which a closed driver allows but cannot force.
                .filter(t -> Runtime.version().feature() >= 21 || !t.getName().matches("HttpClient-\\d+-SelectorManager"))
                .filter(t -> !t.getName().toLowerCase(java.util.Locale.ROOT).contains("grizzly")
                        && !t.getName().toLowerCase(java.util.Locale.ROOT).contains("tyrus")
                        && !t.getName().startsWith("HttpServer") && !t.getName().equals("Keep-Alive-Timer"))
                .map(Thread::getName).collect(Collectors.toSet());
    }

    private static void await(String what, BooleanSupplier condition) {
        Await.until(what, DEADLINE, condition);
    }

    private static void await(String what, BooleanSupplier condition, java.util.function.Supplier<String> state) {
        Await.until(what, DEADLINE, condition, state);
    }
}
