package dev.btclock.upstream.exchange;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Kraken's WebSocket v2 (docs/upstreams.md §4.1): one {@code ticker} subscription for every
 * {@code BTC/<currency>} symbol; a per-symbol acknowledgement with {@code "success":false} means the
 * pair is not offered; snapshot and update share one schema, {@code last} being a JSON number;
 * {@code {"channel":"heartbeat"}} about once a second, which with the tickers is the feed's sign of
 * life; the ping is the application-level {@code {"method":"ping","req_id":N}}, answered with
 * {@code {"method":"pong",...}}, which proves nothing about the feed and counts for nothing.
 */
final class KrakenDriver extends ExchangeDriver {

    private final AtomicLong requestIds = new AtomicLong(1);

    KrakenDriver(ExchangeSettings settings, Clock clock) {
        super(KrakenDriverProvider.NAME, settings.uri(), settings, clock);
    }

    @Override
    List<String> subscriptions() {
        JsonArray symbols = new JsonArray();
        pairs().values().forEach(symbols::add);
        JsonObject params = new JsonObject();
        params.addProperty("channel", "ticker");
        params.add("symbol", symbols);
        JsonObject subscribe = new JsonObject();
        subscribe.addProperty("method", "subscribe");
        subscribe.add("params", params);
        subscribe.addProperty("req_id", 1);
        return List.of(subscribe.toString());
    }

    @Override
    void ping(Link link) {
        link.send("{\"method\":\"ping\",\"req_id\":" + requestIds.incrementAndGet() + "}");
    }

    @Override
    void read(JsonElement frame, Link link) {
        if (!(frame instanceof JsonObject msg)) {
            throw new MalformedFrame("not a JSON object");
        }
        String channel = string(msg, "channel");
        String method = string(msg, "method");
        if ("ticker".equals(channel)) {
            JsonArray data = msg.getAsJsonArray("data");
            for (JsonElement e : data) {
                JsonObject t = e.getAsJsonObject();
                String symbol = string(t, "symbol");
                if (symbol == null) {
                    throw new MalformedFrame("ticker without a symbol");
                }
                link.pairPrice(symbol, number(t.get("last"), "last of " + snippet(symbol)));
            }
        } else if ("heartbeat".equals(channel)) {
            link.alive();
        } else if ("subscribe".equals(method)) {
            JsonElement success = msg.get("success");
            if (success != null && !success.getAsBoolean()) {
                String error = msg.has("error") ? msg.get("error").getAsString() : "no reason given";
                String symbol = symbol(msg);
                if (symbol != null) {
                    link.refusedPair(symbol, error);
                } else {
                    log.warn("{}: subscription refused: {}", name(), snippet(error));
                }
            }
        } else if ("status".equals(channel)) {
            JsonObject status = msg.getAsJsonArray("data").get(0).getAsJsonObject();
            String system = string(status, "system");
            if (system != null && !"online".equals(system)) {
                log.info("{}: the exchange reports system {}", name(), snippet(system));
            }
        }
        // "pong" and anything else: nothing to read, and no sign of the feed's life.
    }

    /** The symbol an acknowledgement is about: top-level or in {@code result}. */
    private static String symbol(JsonObject ack) {
        String s = string(ack, "symbol");
        if (s == null && ack.get("result") instanceof JsonObject result) {
            s = string(result, "symbol");
        }
        return s;
    }

    private static String string(JsonObject o, String key) {
        return o.get(key) instanceof JsonPrimitive p && p.isString() ? p.getAsString() : null;
    }
}
