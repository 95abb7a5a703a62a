package dev.btclock.upstream.contract;

import org.junit.jupiter.api.Test;

/**
 * For drivers whose upstream can go away: the driver reports it, reconnects by itself when the
 * upstream is back, and catches up with what changed meanwhile.
 *
 * @param <F> the fixture type
 */
public interface OutageContract<F extends OutageFixture> extends UpstreamDriverContract<F> {

    @Test
    default void upstreamDrops_driverReconnects_andCatchesUp() throws Exception {
        try (DriverRun<F> run = new DriverRun<>(fixture()).start()) {
            run.await("connected", () -> run.sawHeight(BlockFixture.FIRST_HEIGHT) && run.driver.health().connected());
            run.fixture.drop();
            run.await("seen as down", () -> !run.driver.health().connected());
            run.fixture.restore();
            run.fixture.tip(BlockFixture.FIRST_HEIGHT + 2);
            run.await("back, with the new tip",
                    () -> run.sawHeight(BlockFixture.FIRST_HEIGHT + 2) && run.driver.health().connected());
        }
    }
}
