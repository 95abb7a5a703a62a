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
 * {@code tBTC<currency>} symbol; the {@code subscribed} event maps a {@code chanId} to its symbol, for
 * the configured symbols only and one channel per symbol (a new {@code chanId} replaces the old
 * one), so the map never holds more entries than there are pairs; data are positional arrays
 * {@code [chanId,[BID,...,LAST_PRICE,...]]}, the last price at index 6 (no other length is
 * assumed); {@code [chanId,"hb"]} about every 15 s, a sign of life of the connection that refreshes
 * that channel's price only; an {@code error} event (10001, unknown pair) for a symbol makes it not
 * offered; info 20051 (the server restarts) and 20061 (maintenance over) reconnect, through the
 * backoff. The ping is {@code {"event":"ping","cid":N}}, answered with {@code {"event":"pong",...}},
 * which counts for nothing.
 */
final class BitfinexDriver extends ExchangeDriver {

    /** Index of LAST_PRICE in a ticker array. */
    static final int LAST_PRICE = 6;

    /** The current ticker channel of each configured pair: chanId to currency, at most one per currency. */
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
        String currency = channels.get(chanId);
        if (currency == null) {
            log.debug("{}: ignored a message of channel {}, not subscribed", name(), chanId);
            return;
        }
        JsonElement payload = data.get(1);
        if (payload instanceof JsonPrimitive p && p.isString()) {
            if ("hb".equals(p.getAsString())) {
                // The channel's heartbeat: its feed lives.
                link.alive(currency);
            }
            return;
        }
        String symbol = pairs().get(currency);
        JsonArray ticker = payload.getAsJsonArray();
        if (ticker.size() <= LAST_PRICE) {
            throw new MalformedFrame("ticker of " + symbol + " has " + ticker.size() + " fields, no LAST_PRICE");
        }
        link.price(currency, number(ticker.get(LAST_PRICE), "LAST_PRICE of " + symbol));
    }

    private void event(JsonObject msg, Link link) {
        String event = string(msg, "event");
        if (event == null) {
            return;
        }
        switch (event) {
            case "subscribed" -> {
                if ("ticker".equals(string(msg, "channel"))) {
                    subscribed(msg);
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
                // "pong", "conf", ...: nothing to read, and no sign of the feed's life.
            }
        }
    }

    /** A ticker channel: kept if its symbol is a configured one, in place of that symbol's earlier channel. */
    private void subscribed(JsonObject msg) {
        String symbol = string(msg, "symbol");
        if (symbol == null) {
            throw new MalformedFrame("subscribed event without a symbol");
        }
        long chanId = chanId(msg.get("chanId"));
        String currency = currencyOf(symbol);
        if (currency == null) {
            log.debug("{}: ignored channel {} of {}, not asked for", name(), chanId, snippet(symbol));
            return;
        }
        channels.values().remove(currency);
        channels.put(chanId, currency);
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
