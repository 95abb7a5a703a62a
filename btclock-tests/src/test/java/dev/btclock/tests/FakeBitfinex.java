package dev.btclock.tests;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bitfinex's public WebSocket v2 on loopback, at {@code /ws/2} (docs/upstreams.md §4.3): an
 * {@code info} event on connect; each {@code subscribe} to a {@code ticker} answered with a
 * {@code subscribed} event carrying a new {@code chanId}, then the snapshot; data as positional
 * arrays {@code [chanId,[BID,BID_SIZE,ASK,ASK_SIZE,DAILY_CHANGE,DAILY_CHANGE_RELATIVE,LAST_PRICE,
 * VOLUME,HIGH,LOW]]}; {@code [chanId,"hb"]} on every channel every 15 s; {@code {"event":"ping"}}
 * answered with {@code pong}; an unlisted symbol (listed: {@code tBTCUSD, tBTCEUR, tBTCGBP,
 * tBTCJPY}) answered with error 10001; {@link #newChannel} moves a currency to a new {@code chanId},
 * as a resubscription would.
 *
 * <p>Realistic rates (ticker messages per second): USD 1, EUR 0.3, GBP and JPY 0.1. Bitfinex
 * throttles ticker messages to about one a second per pair on busy books; the fiat pairs other
 * than USD trade far less. Estimates, not measurements; the 15 s heartbeats come on top.
 */
public final class FakeBitfinex extends FakeExchange {

    private final AtomicLong chanIds = new AtomicLong(224555);

    private FakeBitfinex() {
        super("bitfinex", "/ws/2", listing("USD", 118229, "EUR", 101455, "GBP", 87654, "JPY", 17456000),
                Duration.ofSeconds(15));
    }

    /** Starts on a free loopback port. */
    public static FakeBitfinex start() throws IOException {
        FakeBitfinex f = new FakeBitfinex();
        f.startOn(0);
        return f;
    }

    @Override
    public String url() {
        return base() + "/ws/2";
    }

    /** Sends {@code {"event":"info","code":code,...}} to every client (20051: the server restarts, please reconnect). */
    public void info(int code) {
        String msg = code == 20051 ? "Stopping. Please try to reconnect" : "Info " + code;
        sendRaw("{\"event\":\"info\",\"code\":" + code + ",\"msg\":\"" + msg + "\"}");
    }

    /** The chanId the newest client got for {@code currency}, or -1. */
    public long chanId(String currency) {
        long id = -1;
        for (Client c : allClients()) {
            Object ch = c.subscriptions.get(currency);
            if (ch != null) {
                id = Math.max(id, (Long) ch);
            }
        }
        return id;
    }

    /**
     * Moves {@code currency} to a new {@code chanId} on every client subscribed to it, announced with a
     * {@code subscribed} event; its later tickers and heartbeats use the new one. Returns the newest.
     */
    public long newChannel(String currency) {
        long[] newest = {-1};
        onSender(() -> {
            for (Client c : allClients()) {
                if (c.subscriptions.containsKey(currency)) {
                    long chanId = chanIds.incrementAndGet();
                    c.subscriptions.put(currency, chanId);
                    send(c, subscribed(chanId, "tBTC" + currency));
                    newest[0] = chanId;
                }
            }
        });
        return newest[0];
    }

    @Override
    protected void opened(Client c) {
        send(c, "{\"event\":\"info\",\"version\":2,\"serverId\":\"" + UUID.nameUUIDFromBytes(new byte[] {(byte) c.hashCode()})
                + "\",\"platform\":{\"status\":1}}");
    }

    @Override
    protected void request(Client c, String text) {
        JsonObject msg;
        try {
            msg = JsonParser.parseString(text).getAsJsonObject();
        } catch (RuntimeException e) {
            send(c, "{\"event\":\"error\",\"msg\":\"Invalid JSON\",\"code\":10000}");
            return;
        }
        String event = msg.has("event") ? msg.get("event").getAsString() : "";
        if (event.equals("ping")) {
            send(c, "{\"event\":\"pong\",\"ts\":" + System.currentTimeMillis()
                    + (msg.has("cid") ? ",\"cid\":" + msg.get("cid") : "") + "}");
        } else if (event.equals("subscribe") && "ticker".equals(msg.get("channel").getAsString())) {
            String symbol = msg.get("symbol").getAsString();
            String currency = symbol.startsWith("tBTC") ? symbol.substring(4) : "";
            if (listed(currency)) {
                long chanId = chanIds.incrementAndGet();
                send(c, subscribed(chanId, symbol));
                subscribe(c, currency, chanId);
            } else {
                JsonObject error = new JsonObject();
                error.addProperty("event", "error");
                error.addProperty("msg", "symbol: invalid");
                error.addProperty("code", 10001);
                error.addProperty("channel", "ticker");
                error.addProperty("symbol", symbol);
                send(c, error.toString());
            }
        }
    }

    /** The {@code subscribed} event of a ticker channel. */
    static String subscribed(long chanId, String symbol) {
        return "{\"event\":\"subscribed\",\"channel\":\"ticker\",\"chanId\":" + chanId + ",\"symbol\":\"" + symbol
                + "\",\"pair\":\"" + symbol.substring(1) + "\"}";
    }

    @Override
    protected String ticker(Client c, String currency, double price, boolean snapshot) {
        long chanId = (Long) c.subscriptions.get(currency);
        return "[" + chanId + ",[" + num(price - 1) + ",12.4," + num(price) + ",9.8," + num(Math.round(price * 0.0086))
                + ",0.0086," + num(price) + ",2345.67," + num(Math.round(price * 1.004)) + "," + num(Math.round(price * 0.988))
                + "]]";
    }

    @Override
    protected void heartbeat(Client c) {
        for (Object chanId : c.subscriptions.values()) {
            send(c, "[" + chanId + ",\"hb\"]");
        }
    }

    @Override
    protected Map<String, Double> realisticRates() {
        return listing("USD", 1, "EUR", 0.3, "GBP", 0.1, "JPY", 0.1);
    }

    private static String num(double v) {
        return FakeKraken.plain(v).stripTrailingZeros().toPlainString();
    }
}
