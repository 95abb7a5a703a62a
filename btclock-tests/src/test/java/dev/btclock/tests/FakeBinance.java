package dev.btclock.tests;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Binance's spot market streams on loopback (docs/upstreams.md §4.4): the combined-stream endpoint
 * {@code /stream?streams=a/b}, whose streams are chosen by the URL alone; each listed
 * {@code <symbol>@ticker} stream ({@code btcusdt}, standing in for USD, and {@code btceur}) gets its
 * {@code 24hrTicker} event at once and then once a second (the stream's own cadence, the
 * "heartbeat" of this fake), wrapped as {@code {"stream":...,"data":{...}}}, prices as decimal
 * strings with 8 decimals; a protocol Ping every 20 s ({@link #pingEvery}); {@link #serverShutdown}
 * sends the {@code serverShutdown} event. A stream of a symbol Binance does not list stays silent
 * (what the real server does there was not verified). {@code SUBSCRIBE} requests are acknowledged
 * with {@code {"result":null,"id":N}}.
 *
 * <p>Realistic rates: one ticker event a second per stream, whatever the market does: that is the
 * stream's documented update speed.
 */
public final class FakeBinance extends FakeExchange {

    private ScheduledFuture<?> pings;

    private FakeBinance() {
        super("binance", "/stream", listing("USD", 118230.12, "EUR", 101455.13), Duration.ofSeconds(1));
        pingEvery(Duration.ofSeconds(20));
    }

    /** Starts on a free loopback port. */
    public static FakeBinance start() throws IOException {
        FakeBinance f = new FakeBinance();
        f.startOn(0);
        return f;
    }

    /** The base URL; the driver appends {@code /stream?streams=...}. */
    @Override
    public String url() {
        return base();
    }

    /** Protocol Pings to every client every {@code every}; {@link Duration#ZERO} stops them. */
    public synchronized void pingEvery(Duration every) {
        if (pings != null) {
            pings.cancel(false);
            pings = null;
        }
        if (!every.isZero()) {
            pings = sender.scheduleAtFixedRate(() -> ping(Long.toString(System.currentTimeMillis())),
                    every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** The {@code serverShutdown} event to every client, as before a server restart. */
    public void serverShutdown() {
        sendRaw("{\"stream\":\"!serverShutdown\",\"data\":{\"e\":\"serverShutdown\",\"E\":" + System.currentTimeMillis() + "}}");
    }

    /** The Binance symbol for {@code currency}: {@code BTCUSDT} for USD. */
    static String symbol(String currency) {
        return "USD".equals(currency) ? "BTCUSDT" : "BTC" + currency;
    }

    @Override
    protected void opened(Client c) {
        String query = c.session.getQueryString();
        if (query == null || !query.startsWith("streams=")) {
            return;
        }
        for (String stream : query.substring("streams=".length()).split("/")) {
            int at = stream.indexOf('@');
            if (at < 0 || !stream.substring(at + 1).equals("ticker")) {
                continue;
            }
            String sym = stream.substring(0, at).toUpperCase(Locale.ROOT);
            for (String currency : new String[] {"USD", "EUR"}) {
                if (symbol(currency).equals(sym) && listed(currency)) {
                    subscribe(c, currency, stream);
                }
            }
        }
    }

    @Override
    protected void request(Client c, String text) {
        try {
            JsonObject msg = JsonParser.parseString(text).getAsJsonObject();
            send(c, "{\"result\":null,\"id\":" + msg.get("id") + "}");
        } catch (RuntimeException e) {
            send(c, "{\"code\":3,\"msg\":\"Invalid JSON: expected value at line 1 column 1\"}");
        }
    }

    @Override
    protected String ticker(Client c, String currency, double price, boolean snapshot) {
        String stream = (String) c.subscriptions.get(currency);
        long now = System.currentTimeMillis();
        return "{\"stream\":\"" + stream + "\",\"data\":{\"e\":\"24hrTicker\",\"E\":" + now + ",\"s\":\"" + symbol(currency)
                + "\",\"p\":\"" + dec(price * 0.0086) + "\",\"P\":\"0.860\",\"w\":\"" + dec(price * 0.997) + "\",\"x\":\""
                + dec(price * 0.9914) + "\",\"c\":\"" + dec(price) + "\",\"Q\":\"0.00120000\",\"b\":\"" + dec(price - 0.01)
                + "\",\"B\":\"0.31210000\",\"a\":\"" + dec(price) + "\",\"A\":\"0.40660000\",\"o\":\"" + dec(price * 0.9914)
                + "\",\"h\":\"" + dec(price * 1.004) + "\",\"l\":\"" + dec(price * 0.988)
                + "\",\"v\":\"1534.87000000\",\"q\":\"" + dec(price * 1534.87) + "\",\"O\":" + (now - 86_400_000L) + ",\"C\":"
                + now + ",\"F\":4512345678,\"L\":4512534567,\"n\":188890}}";
    }

    @Override
    protected void heartbeat(Client c) {
        if (System.nanoTime() - c.lastSentNanos >= heartbeat().toNanos() / 2) {
            for (String currency : c.subscriptions.keySet()) {
                send(c, ticker(c, currency, priceOf(currency), false));
            }
        }
    }

    @Override
    protected Map<String, Double> realisticRates() {
        return listing("USD", 1, "EUR", 1);
    }

    /** A price as Binance writes it: a decimal string with 8 decimals. */
    private static String dec(double v) {
        return new BigDecimal(Double.toString(v)).setScale(8, RoundingMode.HALF_EVEN).toPlainString();
    }
}
