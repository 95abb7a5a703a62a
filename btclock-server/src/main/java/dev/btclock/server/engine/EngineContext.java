package dev.btclock.server.engine;

import dev.btclock.server.guard.FatalErrors;
import dev.btclock.server.guard.InboundBudget;
import dev.btclock.server.guard.Rejections;
import dev.btclock.server.metrics.ServerMetrics;
import dev.btclock.server.ws.Fanout;
import dev.btclock.server.ws.Ticker;
import dev.btclock.server.ws.WsSettings;

import java.util.Map;

/**
 * What an engine is given: the fan-out its connections join, the limits and timings of the device
 * WebSocket layer, and the server's shared guards.
 *
 * @param fanout     where every connection joins, sends its v2 requests and leaves
 * @param metrics    the server's metrics (frames, drops, queue depths, refusals)
 * @param ws         {@code WS_*} limits and timings
 * @param budget     the budget for unfinished inbound data of all connections (shared with HTTP)
 * @param rejections where refused handshakes are counted and logged
 * @param fatal      what an {@link Error} in one of the engine's threads leads to
 * @param ticker     the time source of pings, reaping and deadlines
 * @param settings   every setting, for an engine's own ones
 */
public record EngineContext(Fanout fanout, ServerMetrics metrics, WsSettings ws, InboundBudget budget,
                            Rejections rejections, FatalErrors fatal, Ticker ticker, Map<String, String> settings) {

    /** Copies the settings. */
    public EngineContext {
        settings = Map.copyOf(settings);
    }
}
