package dev.btclock.server;

import dev.btclock.bus.spi.BusConfig;
import dev.btclock.bus.spi.EventBus;
import dev.btclock.core.config.ConfigException;
import dev.btclock.server.engine.DeviceEngine;
import dev.btclock.server.engine.EngineContext;
import dev.btclock.server.metrics.ServerMetrics;
import dev.btclock.server.publish.PublisherContext;
import dev.btclock.server.publish.Publishers;
import dev.btclock.upstream.failover.UpstreamSupervisor;
import dev.btclock.upstream.failover.Upstreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts a configuration names, created from the {@link Plugins}: the bus ({@code BROKER}), the
 * upstream ({@code UPSTREAM} and its fallback), the WebSocket engine ({@code WS_ENGINE}) and the
 * publishers ({@code PUBLISHERS}). All or none: every problem of every part is reported together,
 * and what was already created is closed.
 *
 * @param bus        the event bus
 * @param driver     the upstream, validated and not started
 * @param engine     the device engine, not installed yet
 * @param publishers the publishers, not started
 */
record ServerParts(EventBus bus, UpstreamSupervisor driver, DeviceEngine engine, Publishers publishers) {

    private static final Logger LOG = LoggerFactory.getLogger(ServerParts.class);

    /**
     * Creates every part {@code config} names.
     *
     * @throws ConfigException listing every bad setting of every part
     */
    static ServerParts create(ServerConfig config, Plugins plugins, EngineContext engineContext, ServerMetrics metrics) {
        List<String> problems = new ArrayList<>();
        List<AutoCloseable> made = new ArrayList<>();
        EventBus bus = attempt(problems, made, () -> plugins.buses().find(config.broker())
                .create(BusConfig.from(config.settings())));
        UpstreamSupervisor driver = attempt(problems, made,
                () -> Upstreams.supervisor(config.settings(), plugins.drivers(), Clock.systemUTC()));
        DeviceEngine engine = attempt(problems, made, () -> plugins.engines().find(config.engine()).create(engineContext));
        Publishers publishers = attempt(problems, made, () -> Publishers.create(plugins.publishers(),
                new PublisherContext(config.settings(), metrics, Clock.systemUTC())));
        if (!problems.isEmpty()) {
            for (AutoCloseable c : made) {
                try {
                    c.close();
                } catch (Exception e) {
                    LOG.debug("closing a part after a configuration error", e);
                }
            }
            throw new ConfigException(problems);
        }
        return new ServerParts(bus, driver, engine, publishers);
    }

    private static <T extends AutoCloseable> T attempt(List<String> problems, List<AutoCloseable> made,
                                                       java.util.function.Supplier<T> create) {
        try {
            T part = create.get();
            made.add(part);
            return part;
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            return null;
        }
    }
}
