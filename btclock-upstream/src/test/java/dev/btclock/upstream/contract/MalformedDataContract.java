package dev.btclock.upstream.contract;

import org.junit.jupiter.api.Test;

/**
 * For drivers whose upstream can send data they cannot read: it is skipped, and the connection's
 * later data still flows.
 *
 * @param <F> the fixture type
 */
public interface MalformedDataContract<F extends MalformedDataFixture> extends UpstreamDriverContract<F> {

    @Test
    default void malformedData_isSkipped_andLaterDataStillFlows() throws Exception {
        try (DriverRun<F> run = new DriverRun<>(fixture()).start()) {
            run.await("first block", () -> run.sawHeight(BlockFixture.FIRST_HEIGHT));
            run.fixture.sendMalformed();
            run.fixture.tip(BlockFixture.FIRST_HEIGHT + 1);
            run.await("the next block after malformed data", () -> run.sawHeight(BlockFixture.FIRST_HEIGHT + 1));
        }
    }
}
