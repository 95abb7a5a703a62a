package dev.btclock.tests;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Coinbase Advanced Trade's market-data WebSocket on loopback, at {@code /} (docs/upstreams.md §4.2):
 * nothing until a subscribe; one channel per subscribe message; {@code ticker} for
 * {@code BTC-USD, BTC-EUR, BTC-GBP} answered with a {@code subscriptions} message and a snapshot of
 * every product, then updates, prices as decimal strings; {@code heartbeats} once a second once
 * subscribed; every message numbered by a per-connection {@code sequence_num}. A subscribe naming a
 * product it does not list is refused whole with {@code {"type":"error","message":"Failed to
 * subscribe","reason":"BTC-XYZ is not a valid product"}}, as Coinbase's older Exchange feed does
 * (Advanced Trade's exact reply was not verified).
 *
 * <p>Realistic rates (ticker messages per second): USD 5, EUR 0.8, GBP 0.4. The ticker channel sends
 * one message per match; BTC-USD is among the busiest books anywhere, EUR and GBP a fraction of it.
 * Estimates, not measurements; heartbeats add one message a second.
 */
public final class FakeCoinbase extends FakeExchange {

    private FakeCoinbase() {
        super("coinbase", "/", listing("USD", 118231.57, "EUR", 101455.21, "GBP", 87654.32), Duration.ofSeconds(1));
    }

    /** Starts on a free loopback port. */
    public static FakeCoinbase start() throws IOException {
        FakeCoinbase f = new FakeCoinbase();
        f.startOn(0);
        return f;
    }

    @Override
    public String url() {
        return base();
    }

    /** The next message to every client skips a {@code sequence_num}, as after a message lost in transit. */
    public void loseMessage() {
        onSender(() -> allClients().forEach(c -> c.sequence++));
    }

    @Override
    protected void opened(Client c) {
        // Coinbase says nothing until the client subscribes.
    }

    @Override
    protected void request(Client c, String text) {
        JsonObject msg;
        try {
            msg = JsonParser.parseString(text).getAsJsonObject();
        } catch (RuntimeException e) {
            send(c, "{\"type\":\"error\",\"message\":\"Failed to parse message\"}");
            return;
        }
        if (!msg.has("type") || !"subscribe".equals(msg.get("type").getAsString())) {
            return;
        }
        String channel = msg.has("channel") ? msg.get("channel").getAsString() : "";
        if (channel.equals("heartbeats")) {
            c.heartbeats = true;
            send(c, subscriptions(c));
        } else if (channel.equals("ticker")) {
            List<String> currencies = new ArrayList<>();
            for (JsonElement id : msg.getAsJsonArray("product_ids")) {
                String product = id.getAsString();
                String currency = product.startsWith("BTC-") ? product.substring(4) : "";
                if (!listed(currency)) {
                    send(c, "{\"type\":\"error\",\"message\":\"Failed to subscribe\",\"reason\":\"" + product
                            + " is not a valid product\"}");
                    return;
                }
                currencies.add(currency);
            }
            currencies.forEach(cur -> c.subscriptions.put(cur, "BTC-" + cur));
            send(c, subscriptions(c));
            JsonArray tickers = new JsonArray();
            currencies.forEach(cur -> tickers.add(tickerObject(cur, priceOf(cur))));
            send(c, envelope(c, "ticker", event("snapshot", tickers)));
        }
    }

    @Override
    protected String ticker(Client c, String currency, double price, boolean snapshot) {
        JsonArray tickers = new JsonArray();
        tickers.add(tickerObject(currency, price));
        return envelope(c, "ticker", event(snapshot ? "snapshot" : "update", tickers));
    }

    @Override
    protected void heartbeat(Client c) {
        if (c.heartbeats) {
            JsonObject beat = new JsonObject();
            beat.addProperty("current_time", Instant.now().toString().replace('T', ' ').replace("Z", " +0000 UTC"));
            beat.addProperty("heartbeat_counter", Long.toString(c.sequence));
            JsonArray events = new JsonArray();
            events.add(beat);
            send(c, envelope(c, "heartbeats", events));
        }
    }

    @Override
    protected Map<String, Double> realisticRates() {
        return listing("USD", 5, "EUR", 0.8, "GBP", 0.4);
    }

    private static JsonObject tickerObject(String currency, double price) {
        JsonObject t = new JsonObject();
        t.addProperty("type", "ticker");
        t.addProperty("product_id", "BTC-" + currency);
        t.addProperty("price", decimal(price));
        t.addProperty("volume_24_h", "8123.55129841");
        t.addProperty("low_24_h", decimal(Math.round(price * 98.8) / 100.0));
        t.addProperty("high_24_h", decimal(Math.round(price * 100.4) / 100.0));
        t.addProperty("low_52_w", "49050");
        t.addProperty("high_52_w", "123236.2");
        t.addProperty("price_percent_chg_24_h", "0.86");
        t.addProperty("best_bid", decimal(Math.round(price * 100 - 1) / 100.0));
        t.addProperty("best_bid_quantity", "0.0418");
        t.addProperty("best_ask", decimal(price));
        t.addProperty("best_ask_quantity", "0.35");
        return t;
    }

    private static JsonArray event(String type, JsonArray tickers) {
        JsonObject e = new JsonObject();
        e.addProperty("type", type);
        e.add("tickers", tickers);
        JsonArray events = new JsonArray();
        events.add(e);
        return events;
    }

    private String subscriptions(Client c) {
        JsonArray products = new JsonArray();
        c.subscriptions.values().forEach(p -> products.add((String) p));
        JsonObject subs = new JsonObject();
        if (!products.isEmpty()) {
            subs.add("ticker", products);
        }
        if (c.heartbeats) {
            subs.add("heartbeats", new JsonArray());
        }
        JsonObject e = new JsonObject();
        e.add("subscriptions", subs);
        JsonArray events = new JsonArray();
        events.add(e);
        return envelope(c, "subscriptions", events);
    }

    private static String envelope(Client c, String channel, JsonArray events) {
        JsonObject msg = new JsonObject();
        msg.addProperty("channel", channel);
        msg.addProperty("client_id", "");
        msg.addProperty("timestamp", Instant.now().toString());
        msg.addProperty("sequence_num", c.sequence++);
        msg.add("events", events);
        return msg.toString();
    }

    /** A price as Coinbase writes it: a decimal string, no exponent, no trailing zeros. */
    private static String decimal(double price) {
        return FakeKraken.plain(price).stripTrailingZeros().toPlainString();
    }
}
