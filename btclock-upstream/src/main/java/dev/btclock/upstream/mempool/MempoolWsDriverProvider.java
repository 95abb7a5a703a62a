package dev.btclock.upstream.mempool;

import dev.btclock.core.config.Settings;
import dev.btclock.upstream.spi.DriverConfig;
import dev.btclock.upstream.spi.UpstreamDriver;
import dev.btclock.upstream.spi.UpstreamDriverProvider;

import java.time.Duration;

/**
 * Provides the {@code mempool-ws} driver. Settings: {@code MEMPOOL_INSTANCE} (default
 * {@code mempool.space}), {@code MEMPOOL_PING_SECONDS} (silence before a ping, default 30),
 * {@code MEMPOOL_TIMEOUT_SECONDS} (connect, REST and ping-answer timeout, default 10).
 */
public final class MempoolWsDriverProvider implements UpstreamDriverProvider {

    /** The name users put in {@code UPSTREAM}. */
    public static final String NAME = "mempool-ws";

    /** Creates the provider; does nothing else. */
    public MempoolWsDriverProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public UpstreamDriver create(DriverConfig config) {
        Settings s = new Settings(config.settings());
        MempoolInstance instance = null;
        try {
            instance = MempoolInstance.parse(s.string("MEMPOOL_INSTANCE", "mempool.space"));
        } catch (dev.btclock.core.config.ConfigException e) {
            e.problems().forEach(p -> s.problem(p.substring(0, p.indexOf(' ')), p.substring(p.indexOf(' ') + 1)));
        }
        Duration ping = s.seconds("MEMPOOL_PING_SECONDS", Duration.ofSeconds(30), 1, 3600);
        Duration timeout = s.seconds("MEMPOOL_TIMEOUT_SECONDS", Duration.ofSeconds(10), 1, 300);
        s.check();
        return new MempoolWsDriver(instance, ping, timeout, config.clock());
    }
}
