package dev.btclock.upstream.exchange;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Coinbase Advanced Trade (docs/upstreams.md §4.2): a {@code ticker} subscription for every
 * {@code BTC-<currency>} product, then the {@code heartbeats} channel (one channel per subscribe
 * message, both sent at once, well within the 5 s the exchange allows); prices are decimal
 * strings in {@code events[].tickers[].price}; the tickers and the {@code heartbeats} messages are
 * the feed's sign of life; the {@code subscriptions} message is ignored and is none. An
 * {@code error} that names products makes them not offered, and the others are subscribed again
 * (a subscribe with one unknown product may be refused whole). Gaps in {@code sequence_num} are
 * counted. No application ping: the default protocol Ping.
 */
final class CoinbaseDriver extends ExchangeDriver {

    private static final String HEARTBEATS = "{\"type\":\"subscribe\",\"channel\":\"heartbeats\"}";

    private final AtomicLong lastSequence = new AtomicLong(-1);
    private final AtomicLong gaps = new AtomicLong();

    CoinbaseDriver(ExchangeSettings settings, Clock clock) {
        super(CoinbaseDriverProvider.NAME, settings.uri(), settings, clock);
    }

    @Override
    List<String> subscriptions() {
        return List.of(tickers(pairs().values()), HEARTBEATS);
    }

    private static String tickers(Collection<String> products) {
        JsonArray ids = new JsonArray();
        products.forEach(ids::add);
        JsonObject subscribe = new JsonObject();
        subscribe.addProperty("type", "subscribe");
        subscribe.add("product_ids", ids);
        subscribe.addProperty("channel", "ticker");
        return subscribe.toString();
    }

    @Override
    void reset() {
        lastSequence.set(-1);
    }

    @Override
    public long sequenceGaps() {
        return gaps.get();
    }

    @Override
    void read(JsonElement frame, Link link) {
        if (!(frame instanceof JsonObject msg)) {
            throw new MalformedFrame("not a JSON object");
        }
        if ("error".equals(string(msg, "type"))) {
            error(msg, link);
            return;
        }
        String channel = string(msg, "channel");
        if (channel == null) {
            return;
        }
        if (msg.get("sequence_num") instanceof JsonPrimitive p && p.isNumber()) {
            long seq = p.getAsLong();
            long last = lastSequence.getAndSet(seq);
            if (last >= 0 && seq != last + 1) {
                gaps.incrementAndGet();
                log.debug("{}: sequence_num jumped from {} to {}", name(), last, seq);
            }
        }
        if ("ticker".equals(channel)) {
            for (JsonElement event : msg.getAsJsonArray("events")) {
                for (JsonElement t : event.getAsJsonObject().getAsJsonArray("tickers")) {
                    JsonObject ticker = t.getAsJsonObject();
                    String product = string(ticker, "product_id");
                    if (product == null) {
                        throw new MalformedFrame("ticker without a product_id");
                    }
                    link.pairPrice(product, decimal(ticker.get("price"), "price of " + snippet(product)));
                }
            }
        } else if ("heartbeats".equals(channel)) {
            link.alive();
        }
        // "subscriptions" and other channels: nothing to read, and no sign of the feed's life.
    }

    private void error(JsonObject msg, Link link) {
        String message = string(msg, "message");
        String reason = string(msg, "reason");
        String text;
        if (reason == null) {
            text = message == null ? "" : message;
        } else {
            text = message == null ? reason : message + ": " + reason;
        }
        List<String> named = new ArrayList<>();
        for (String product : pairs().values()) {
            if (mentions(text, product) && !link.refused.contains(currencyOf(product))) {
                named.add(product);
            }
        }
        if (named.isEmpty()) {
            log.warn("{}: the exchange reports an error: {}", name(), snippet(text));
            return;
        }
        named.forEach(p -> link.refusedPair(p, text));
        List<String> rest = new ArrayList<>();
        for (Map.Entry<String, String> e : pairs().entrySet()) {
            if (!link.refused.contains(e.getKey())) {
                rest.add(e.getValue());
            }
        }
        if (!rest.isEmpty()) {
            link.send(tickers(rest));
        }
    }

    /** Whether {@code text} names {@code product} as a whole word ({@code BTC-USD}, not {@code BTC-USDC}). */
    static boolean mentions(String text, String product) {
        return Pattern.compile("(?<![A-Za-z0-9-])" + Pattern.quote(product) + "(?![A-Za-z0-9])").matcher(text).find();
    }

    private static String string(JsonObject o, String key) {
        return o.get(key) instanceof JsonPrimitive p && p.isString() ? p.getAsString() : null;
    }
}
