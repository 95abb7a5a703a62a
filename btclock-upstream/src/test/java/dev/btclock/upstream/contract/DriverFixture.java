package dev.btclock.upstream.contract;

import dev.btclock.core.event.Event;
import dev.btclock.upstream.spi.UpstreamDriver;

import java.util.List;

/**
 * What every driver's contract test provides: a source of canned data (a fake upstream that speaks
 * the real protocol, or nothing at all for a driver that needs no network) and a way to point a
 * driver at it. Created fresh for each test and closed after it.
 */
public interface DriverFixture extends AutoCloseable {

    /** A new, unstarted driver reading this fixture's upstream. */
    UpstreamDriver newDriver();

    /** Whether {@code events} (everything the driver emitted so far) include what the canned data should produce. */
    boolean cannedDataSeen(List<Event> events);

    /** Stops whatever the fixture started. */
    @Override
    void close();
}
