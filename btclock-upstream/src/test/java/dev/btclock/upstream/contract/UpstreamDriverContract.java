package dev.btclock.upstream.contract;

import dev.btclock.upstream.spi.DataKind;
import dev.btclock.upstream.spi.UpstreamDriver;
import org.junit.jupiter.api.Test;

import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bar every upstream driver meets: canned data becomes events tagged with the driver's name
 * and of the kinds it declares, {@code close} is idempotent, {@code start} twice is refused, and
 * no thread is left behind.
 *
 * <p>A driver's test implements this interface, and also {@link MalformedDataContract} and
 * {@link OutageContract} when they apply (a driver with an upstream that can send bad data or go
 * away); a driver that has neither, such as a constant source, implements this one only, so those
 * tests do not exist for it rather than fail or skip:
 *
 * <pre>{@code
 * class MyDriverContractTest implements MalformedDataContract<MyFixture>, OutageContract<MyFixture> {
 *     public MyFixture fixture() throws Exception {
 *         return new MyFixture(FakeUpstream.start());
 *     }
 * }
 * }</pre>
 *
 * <p>The kit is in the {@code btclock-upstream} test jar
 * ({@code <type>test-jar</type>}, test scope) and needs nothing else but JUnit Jupiter.
 *
 * @param <F> the fixture type
 */
public interface UpstreamDriverContract<F extends DriverFixture> {

    /** A fresh fixture; the kit closes it after each test. */
    F fixture() throws Exception;

    @Test
    default void cannedData_becomesEvents_ofTheDeclaredKinds_taggedWithTheDriversName() throws Exception {
        try (DriverRun<F> run = new DriverRun<>(fixture()).start()) {
            run.await("the canned data", () -> run.fixture.cannedDataSeen(run.events));
            UpstreamDriver driver = run.driver;
            assertTrue(run.events.stream().allMatch(e -> e.source().equals(driver.name())), run.events::toString);
            assertTrue(run.events.stream().allMatch(e -> driver.kinds().contains(DataKind.of(e))),
                    () -> "only the kinds " + driver.kinds() + " the driver declares: " + run.events);
            run.await("connected", () -> driver.health().connected());
            assertNotNull(driver.health().lastEvent());
        }
    }

    @Test
    default void close_isIdempotent_andStartTwiceIsRefused() throws Exception {
        try (DriverRun<F> run = new DriverRun<>(fixture()).start()) {
            assertThrows(IllegalStateException.class, () -> run.driver.start(e -> { }));
            run.driver.close();
            run.driver.close();
            assertFalse(run.driver.health().connected());
        }
    }

    @Test
    default void close_leavesNoThreadBehind() throws Exception {
        try (DriverRun<F> run = new DriverRun<>(fixture())) {
            // After the fixture started its fake upstream: only the driver's threads count.
            Set<Thread> before = Thread.getAllStackTraces().keySet();
            run.start();
            run.await("the canned data", () -> run.fixture.cannedDataSeen(run.events));
            run.driver.close();
            run.driver = null;
            // JDK HttpClient's selector thread ends once its client is unreachable: let the GC see that.
            DriverRun.await("no new live thread", () -> {
                System.gc();
                return newThreads(before).isEmpty();
            }, () -> newThreads(before).toString());
        }
    }

    /** Threads started since {@code before} that a driver could own (not the fixture's servers, not the JDK's). */
    private static Set<String> newThreads(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !before.contains(t))
                // On Java 17 java.net.http.HttpClient cannot be closed (close() arrived in 21): its selector thread
                // ends only when the GC collects the client, which a closed driver allows but cannot force.
                .filter(t -> Runtime.version().feature() >= 21 || !t.getName().matches("HttpClient-\\d+-SelectorManager"))
                // Started lazily by a fixture's HTTP or WebSocket server, or the JDK's shared keep-alive cache.
                .filter(t -> !t.getName().toLowerCase(Locale.ROOT).contains("grizzly")
                        && !t.getName().toLowerCase(Locale.ROOT).contains("tyrus")
                        && !t.getName().startsWith("HttpServer") && !t.getName().equals("Keep-Alive-Timer"))
                .map(Thread::getName).collect(Collectors.toSet());
    }
}
