package dev.btclock.upstream.exchange;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * Binance spot streams (docs/upstreams.md §4.4): the {@code <symbol>@ticker} stream of every pair on
 * one combined-stream connection, {@code <BINANCE_URL>/stream?streams=btcusdt@ticker/btceur@ticker},
 * so nothing is sent after connecting. USD is read from {@code BTCUSDT}: Binance has no BTC/USD
 * pair, and the Tether stablecoin stands in for the dollar. Each {@code 24hrTicker} event (wrapped
 * as {@code {"stream":...,"data":{...}}}) carries the last price as the decimal string {@code c},
 * once a second, so the tickers are the feed's sign of life; the server's protocol Pings (every 20 s)
 * are answered by the JDK client itself and count for nothing; a {@code serverShutdown} event
 * reconnects, through the backoff. An unknown symbol's stream stays empty.
 */
final class BinanceDriver extends ExchangeDriver {

    BinanceDriver(ExchangeSettings settings, Clock clock) {
        super(BinanceDriverProvider.NAME, streams(settings), settings, clock);
    }

    /** The combined-stream URL of every pair of {@code settings}. */
    static URI streams(ExchangeSettings settings) {
        StringJoiner streams = new StringJoiner("/");
        settings.pairs().values().forEach(pair -> streams.add(pair.toLowerCase(Locale.ROOT) + "@ticker"));
        String base = settings.uri().toString().replaceAll("/+$", "");
        return URI.create(base + "/stream?streams=" + streams);
    }

    /** The Binance symbol for {@code currency}: {@code BTCUSDT} for USD, {@code BTC<currency>} otherwise. */
    static String symbol(String currency) {
        return "USD".equals(currency) ? "BTCUSDT" : "BTC" + currency;
    }

    @Override
    List<String> subscriptions() {
        return List.of();
    }

    @Override
    void read(JsonElement frame, Link link) {
        if (!(frame instanceof JsonObject msg)) {
            throw new MalformedFrame("not a JSON object");
        }
        if (!msg.has("data")) {
            // A reply to a request ({"result":null,"id":1}) or an error ({"code":2,"msg":...}).
            if (msg.has("code")) {
                log.warn("{}: the exchange reports error {}", name(), snippet(msg.toString()));
            }
            return;
        }
        JsonObject data = msg.getAsJsonObject("data");
        String type = data.get("e") instanceof JsonPrimitive p && p.isString() ? p.getAsString() : "";
        switch (type) {
            case "24hrTicker" -> {
                if (!(data.get("s") instanceof JsonPrimitive s) || !s.isString()) {
                    throw new MalformedFrame("24hrTicker without a symbol");
                }
                String symbol = s.getAsString();
                link.pairPrice(symbol, decimal(data.get("c"), "c of " + snippet(symbol)));
            }
            case "serverShutdown" -> link.reconnect("the exchange announced a server shutdown");
            default -> {
                // Another stream's event: nothing to read.
            }
        }
    }
}
