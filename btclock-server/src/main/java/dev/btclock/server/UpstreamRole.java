package dev.btclock.server;

import dev.btclock.bus.spi.EventBus;
import dev.btclock.core.config.ConfigException;
import dev.btclock.core.event.BlockUpdate;
import dev.btclock.core.event.Event;
import dev.btclock.core.event.PriceUpdate;
import dev.btclock.server.metrics.ServerMetrics;
import dev.btclock.upstream.failover.UpstreamSupervisor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * The upstream while this node leads: only the fleet's leader runs it (always, with the in-process
 * bus), and publishes what it reads to the bus, which every node serves from. Follows
 * {@link EventBus#leadership()}: starts the upstream on becoming leader, stops it on losing the lease.
 */
final class UpstreamRole implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(UpstreamRole.class);

    private final EventBus bus;
    private final ServerMetrics metrics;
    private final Supplier<UpstreamSupervisor> upstreams;
    private final Clock clock;
    /** The running upstream while this node leads, else null. Guarded by this. */
    private UpstreamSupervisor driver;
    /** The upstream created (and validated) at start, not running yet. Guarded by this. */
    private UpstreamSupervisor spare;
    private boolean closed;

    /**
     * @param first     the upstream validated at start, used the first time this node leads
     * @param upstreams makes a fresh one each later time
     */
    UpstreamRole(EventBus bus, ServerMetrics metrics, UpstreamSupervisor first, Supplier<UpstreamSupervisor> upstreams,
                 Clock clock) {
        this.bus = bus;
        this.metrics = metrics;
        this.spare = first;
        this.upstreams = upstreams;
        this.clock = clock;
    }

    /** Follows the bus's leadership from now on. */
    void follow() {
        metrics.upstream(this::running, this::lastEventAgeSeconds);
        bus.leadership().onChange(this::leading);
    }

    /** The running upstream, or null while this node does not lead. */
    synchronized UpstreamSupervisor running() {
        return driver;
    }

    private synchronized void leading(boolean leader) {
        if (closed) {
            return;
        }
        if (leader && driver == null) {
            try {
                driver = spare != null ? spare : upstreams.get();
            } catch (ConfigException e) {
                LOG.error("cannot start the upstream: {}", e.getMessage());
                return;
            }
            spare = null;
            driver.start(this::fromUpstream);
        } else if (!leader && driver != null) {
            LOG.info("not the leader any more: stopping the upstream");
            driver.close();
            driver = null;
        }
    }

    private void fromUpstream(Event e) {
        metrics.upstreamEvent(e instanceof PriceUpdate ? "price" : e instanceof BlockUpdate ? "block" : "fee");
        bus.publish(e);
    }

    private double lastEventAgeSeconds() {
        UpstreamSupervisor up = running();
        Instant last = up == null ? null : up.health().lastEvent();
        return last == null ? Double.NaN : Duration.between(last, clock.instant()).toMillis() / 1000.0;
    }

    /** Stops the upstream (running or spare). Idempotent. */
    @Override
    public void close() {
        UpstreamSupervisor up;
        synchronized (this) {
            closed = true;
            up = driver;
            driver = null;
            if (spare != null) {
                spare.close();
                spare = null;
            }
        }
        if (up != null) {
            up.close();
        }
    }
}
