package dev.btclock.server.publish;

import dev.btclock.server.metrics.ServerMetrics;

import java.time.Clock;
import java.util.Map;

/**
 * What a publisher is given.
 *
 * @param settings every setting, for the publisher's own ones
 * @param metrics  the server's metrics, to add the publisher's own
 * @param clock    the wall clock (event timestamps)
 */
public record PublisherContext(Map<String, String> settings, ServerMetrics metrics, Clock clock) {

    /** Copies the settings. */
    public PublisherContext {
        settings = Map.copyOf(settings);
    }
}
