package dev.btclock.tests;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Kraken's WebSocket v2 on loopback, at {@code /v2} (docs/upstreams.md §4.1): a {@code status}
 * message on connect; {@code subscribe} to {@code ticker} acknowledged per symbol, with the
 * snapshot right after each acknowledgement, or {@code "success":false} and an {@code error} for a
 * pair it does not list ({@code BTC/USD, EUR, GBP, CAD, CHF, AUD, JPY} are listed); updates in the
 * snapshot's schema with numbers as JSON numbers; {@code {"channel":"heartbeat"}} every second in
 * which nothing else was sent; {@code {"method":"ping","req_id":N}} answered with a {@code pong}.
 *
 * <p>Realistic rates (ticker updates per second, on trades): USD 3, EUR 2, GBP 0.3, CAD and CHF 0.2,
 * AUD and JPY 0.1. Kraken's ticker fires on every trade by default; these are estimates of BTC trade
 * frequency per fiat pair on Kraken (USD and EUR its two deep books, the others thin), not
 * measurements; the heartbeat fills the quiet seconds.
 */
public final class FakeKraken extends FakeExchange {

    private FakeKraken() {
        super("kraken", "/v2", listing("USD", 118230.2, "EUR", 101455.1, "GBP", 87654.3, "CAD", 161234.5,
                "CHF", 94321.1, "AUD", 181234.6, "JPY", 17456789), Duration.ofSeconds(1));
    }

    /** Starts on a free loopback port. */
    public static FakeKraken start() throws IOException {
        FakeKraken f = new FakeKraken();
        f.startOn(0);
        return f;
    }

    @Override
    public String url() {
        return base() + "/v2";
    }

    @Override
    protected void opened(Client c) {
        send(c, "{\"channel\":\"status\",\"type\":\"update\",\"data\":[{\"version\":\"2.0.10\",\"system\":\"online\","
                + "\"api_version\":\"v2\",\"connection_id\":" + (1_000_000_000_000L + c.hashCode()) + "}]}");
    }

    @Override
    protected void request(Client c, String text) {
        JsonObject msg;
        try {
            msg = JsonParser.parseString(text).getAsJsonObject();
        } catch (RuntimeException e) {
            send(c, "{\"error\":\"Malformed request\",\"success\":false,\"time_in\":\"" + Instant.now()
                    + "\",\"time_out\":\"" + Instant.now() + "\"}");
            return;
        }
        String method = msg.has("method") ? msg.get("method").getAsString() : "";
        JsonElement reqId = msg.get("req_id");
        if (method.equals("ping")) {
            send(c, "{\"method\":\"pong\"" + (reqId == null ? "" : ",\"req_id\":" + reqId) + ",\"time_in\":\""
                    + Instant.now() + "\",\"time_out\":\"" + Instant.now() + "\"}");
        } else if (method.equals("subscribe")) {
            JsonObject params = msg.getAsJsonObject("params");
            if (!"ticker".equals(params.get("channel").getAsString())) {
                return;
            }
            for (JsonElement s : params.getAsJsonArray("symbol")) {
                String symbol = s.getAsString();
                String currency = symbol.startsWith("BTC/") ? symbol.substring(4) : "";
                if (listed(currency)) {
                    send(c, "{\"method\":\"subscribe\",\"result\":{\"channel\":\"ticker\",\"event_trigger\":\"trades\","
                            + "\"snapshot\":true,\"symbol\":\"" + symbol + "\"},\"success\":true,\"time_in\":\"" + Instant.now()
                            + "\",\"time_out\":\"" + Instant.now() + "\"" + (reqId == null ? "" : ",\"req_id\":" + reqId) + "}");
                    subscribe(c, currency, symbol);
                } else {
                    JsonObject nack = new JsonObject();
                    nack.addProperty("error", "Currency pair not supported " + symbol);
                    nack.addProperty("method", "subscribe");
                    nack.addProperty("success", false);
                    nack.addProperty("symbol", symbol);
                    nack.addProperty("time_in", Instant.now().toString());
                    nack.addProperty("time_out", Instant.now().toString());
                    if (reqId != null) {
                        nack.add("req_id", reqId);
                    }
                    send(c, nack.toString());
                }
            }
        }
    }

    @Override
    protected String ticker(Client c, String currency, double price, boolean snapshot) {
        JsonObject t = new JsonObject();
        t.addProperty("symbol", "BTC/" + currency);
        t.addProperty("bid", number(price - 0.1));
        t.addProperty("bid_qty", 0.52);
        t.addProperty("ask", number(price));
        t.addProperty("ask_qty", 1.13);
        t.addProperty("last", plain(price));
        t.addProperty("volume", 1534.87);
        t.addProperty("vwap", number(price * 0.997));
        t.addProperty("low", number(price * 0.988));
        t.addProperty("high", number(price * 1.004));
        t.addProperty("change", number(price * 0.0086));
        t.addProperty("change_pct", 0.86);
        t.addProperty("timestamp", Instant.now().toString());
        JsonArray data = new JsonArray();
        data.add(t);
        JsonObject msg = new JsonObject();
        msg.addProperty("channel", "ticker");
        msg.addProperty("type", snapshot ? "snapshot" : "update");
        msg.add("data", data);
        return msg.toString();
    }

    @Override
    protected void heartbeat(Client c) {
        if (!c.subscriptions.isEmpty() && System.nanoTime() - c.lastSentNanos >= heartbeat().toNanos() / 2) {
            send(c, "{\"channel\":\"heartbeat\"}");
        }
    }

    @Override
    protected Map<String, Double> realisticRates() {
        return listing("USD", 3, "EUR", 2, "GBP", 0.3, "CAD", 0.2, "CHF", 0.2, "AUD", 0.1, "JPY", 0.1);
    }

    /** A derived price as a JSON number with at most one decimal, as Kraken prints BTC/fiat prices. */
    private static BigDecimal number(double value) {
        return plain(Math.round(value * 10) / 10.0);
    }

    /** {@code value} exactly, written without an exponent. */
    static BigDecimal plain(double value) {
        return new BigDecimal(new BigDecimal(Double.toString(value)).toPlainString());
    }
}
