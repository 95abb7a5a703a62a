package dev.btclock.bus.valkey;

import dev.btclock.bus.spi.BusConfig;
import dev.btclock.bus.spi.EventBus;
import dev.btclock.bus.contract.EventBusContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.util.Map;
import java.util.UUID;

/** The {@code valkey} bus meets the same contract as {@code inproc}, against a real server. */
class ValkeyEventBusContractIT extends EventBusContract {

    private static RedisServerProcess redis;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServerProcess.start();
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @Override
    protected EventBus createBus() {
        EventBus bus = new ValkeyBusProvider().create(BusConfig.from(Map.of("BROKER_URL", redis.url(),
                "BROKER_PREFIX", "contract-" + UUID.randomUUID() + ":")));
        ValkeyBusIT.await("leader", () -> bus.leadership().isLeader());
        return bus;
    }
}
