package dev.btclock.upstream.exchange;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bitfinex WebSocket v2 (docs/upstreams.md §4.3): one {@code ticker} subscription per
 * {@code tBTC<currency>} symbol; the {@code subscribed} event maps each {@code chanId} to its symbol;
 * data are positional arrays {@code [chanId,[BID,...,LAST_PRICE,...]]}, the last price at index 6
 * (no other length is assumed); {@code [chanId,"hb"]} about every 15 s; an {@code error} event
 * (10001, unknown pair) for a symbol makes it not offered; info 20051 (the server restarts) and
 * 20061 (maintenance over) reconnect. The ping is {@code {"event":"ping","cid":N}}, answered with
 * {@code {"event":"pong",...}}.
 */
final class BitfinexDriver extends ExchangeDriver {

    /** Index of LAST_PRICE in a ticker array. */
    static final int LAST_PRICE = 6;

    private final Map<Long, String> channels = new ConcurrentHashMap<>();
    private final AtomicLong cids = new AtomicLong();

    BitfinexDriver(ExchangeSettings settings, Clock clock) {
        super(BitfinexDriverProvider.NAME, settings.uri(), settings, clock);
    }

    @Override
    List<String> subscriptions() {
        List<String> frames = new ArrayList<>();
        for (String symbol : pairs().values()) {
            JsonObject subscribe = new JsonObject();
            subscribe.addProperty("event", "subscribe");
            subscribe.addProperty("channel", "ticker");
            subscribe.addProperty("symbol", symbol);
            frames.add(subscribe.toString());
        }
        return frames;
    }

    @Override
    void reset() {
        channels.clear();
    }

    @Override
    void ping(Link link) {
        link.send("{\"event\":\"ping\",\"cid\":" + cids.incrementAndGet() + "}");
    }

    @Override
    void read(JsonElement frame, Link link) {
        if (frame instanceof JsonArray data) {
            channelMessage(data, link);
        } else if (frame instanceof JsonObject event) {
            event(event, link);
        } else {
            throw new MalformedFrame("neither a JSON array nor an object");
        }
    }

    private void channelMessage(JsonArray data, Link link) {
        if (data.size() < 2) {
            throw new MalformedFrame("channel message without payload");
        }
        long chanId = chanId(data.get(0));
        JsonElement payload = data.get(1);
        if (payload instanceof JsonPrimitive p && p.isString()) {
            // "hb", the channel's heartbeat: a sign of life.
            return;
        }
        String symbol = channels.get(chanId);
        if (symbol == null) {
            log.debug("{}: ignored a message of channel {}, not subscribed", name(), chanId);
            return;
        }
        JsonArray ticker = payload.getAsJsonArray();
        if (ticker.size() <= LAST_PRICE) {
            throw new MalformedFrame("ticker of " + symbol + " has " + ticker.size() + " fields, no LAST_PRICE");
        }
        link.pairPrice(symbol, number(ticker.get(LAST_PRICE), symbol + " LAST_PRICE"));
    }

    private void event(JsonObject msg, Link link) {
        String event = string(msg, "event");
        if (event == null) {
            return;
        }
        switch (event) {
            case "subscribed" -> {
                if ("ticker".equals(string(msg, "channel"))) {
                    String symbol = string(msg, "symbol");
                    if (symbol == null) {
                        throw new MalformedFrame("subscribed event without a symbol");
                    }
                    channels.put(chanId(msg.get("chanId")), symbol);
                }
            }
            case "error" -> {
                String symbol = string(msg, "symbol");
                String why = msg.get("code") + " " + (msg.has("msg") ? string(msg, "msg") : "");
                if (symbol != null && pairs().containsValue(symbol)) {
                    link.refusedPair(symbol, why);
                } else {
                    log.warn("{}: the exchange reports error {}", name(), snippet(why));
                }
            }
            case "info" -> info(msg, link);
            default -> {
                // "pong", "conf", ...: a sign of life.
            }
        }
    }

    private void info(JsonObject msg, Link link) {
        if (msg.get("code") instanceof JsonPrimitive p && p.isNumber()) {
            int code = p.getAsInt();
            switch (code) {
                case 20051 -> link.reconnect("the exchange restarts its server (info 20051)");
                case 20060 -> log.info("{}: the exchange enters maintenance (info 20060)", name());
                case 20061 -> link.reconnect("the exchange ended its maintenance (info 20061)");
                default -> log.info("{}: info {}: {}", name(), code, snippet(string(msg, "msg")));
            }
        } else if (msg.get("platform") instanceof JsonObject platform
                && platform.get("status") instanceof JsonPrimitive status && status.isNumber() && status.getAsInt() == 0) {
            log.warn("{}: the exchange reports platform maintenance (status 0)", name());
        }
    }

    private static long chanId(JsonElement e) {
        if (e instanceof JsonPrimitive p && p.isNumber()) {
            return p.getAsLong();
        }
        throw new MalformedFrame("chanId is not a number: " + snippet(String.valueOf(e)));
    }

    private static String string(JsonObject o, String key) {
        return o.get(key) instanceof JsonPrimitive p && p.isString() ? p.getAsString() : null;
    }
}
