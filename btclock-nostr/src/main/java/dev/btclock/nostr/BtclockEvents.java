package dev.btclock.nostr;

import dev.btclock.core.codec.JsNumbers;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The events BTClock devices read (docs/protocol.md §6.4): one addressable kind-30078 event per datum,
 * with exactly the {@code d} values the v4 firmware parses and the extra two-element tags that
 * let v3's tag walker work unchanged. Optionally the legacy combined kind-12203 event of v3.3.
 */
public final class BtclockEvents {

    /** NIP-78 application data, addressable by {@code d}. */
    public static final int KIND = 30078;
    /** The combined event v3.3 firmware reads (replaceable). */
    public static final int LEGACY_KIND = 12203;

    /**
     * An unsigned event: its {@code d} value (the slot), content and every tag ({@code d} first).
     *
     * @param d       the slot, e.g. {@code blockheight}, {@code medianFee}, {@code price:USD}
     * @param kind    {@link #KIND} or {@link #LEGACY_KIND}
     * @param content the content text
     * @param tags    all tags
     */
    public record Draft(String d, int kind, String content, List<List<String>> tags) {
        /** Copies the tags. */
        public Draft {
            tags = tags.stream().map(List::copyOf).toList();
        }

        /** Signs this draft at {@code createdAt}. */
        public NostrEvent sign(NostrKeys keys, long createdAt, byte[] aux) {
            return NostrEvent.sign(keys, createdAt, kind, tags, content, aux);
        }
    }

    private BtclockEvents() {
    }

    /**
     * {@code d=blockheight}: the height as content; tags {@code ["type","blockHeight"]} and, when a fee
     * is known, {@code ["medianFee", Math.round(fee)]}.
     */
    public static Draft blockheight(long height, Double fee) {
        List<List<String>> tags = new ArrayList<>();
        tags.add(List.of("d", "blockheight"));
        tags.add(List.of("type", "blockHeight"));
        if (fee != null) {
            tags.add(List.of("medianFee", Long.toString(Math.round(fee))));
        }
        return new Draft("blockheight", KIND, Long.toString(height), tags);
    }

    /** {@code d=medianFee}: the stored fee in JavaScript number formatting ({@code 9.88}, {@code 13}, {@code 0.5}). */
    public static Draft medianFee(double fee) {
        return new Draft("medianFee", KIND, JsNumbers.format(fee), List.of(List.of("d", "medianFee")));
    }

    /**
     * {@code d=price:<CCY>}: the integer price. USD also carries {@code ["type","priceUsd"]},
     * {@code ["block", height]} and {@code ["medianFee", Math.round(fee)]} when those are known.
     */
    public static Draft price(String currency, long price, Long height, Double fee) {
        String ccy = currency.toUpperCase(Locale.ROOT);
        String d = "price:" + ccy;
        List<List<String>> tags = new ArrayList<>();
        tags.add(List.of("d", d));
        if (ccy.equals("USD")) {
            tags.add(List.of("type", "priceUsd"));
            if (height != null) {
                tags.add(List.of("block", Long.toString(height)));
            }
            if (fee != null) {
                tags.add(List.of("medianFee", Long.toString(Math.round(fee))));
            }
        }
        return new Draft(d, KIND, Long.toString(price), tags);
    }

    /** The legacy kind-12203 event: USD price as content, {@code type}, {@code block} and {@code medianFee} tags. */
    public static Draft legacy(long usdPrice, long height, double fee) {
        return new Draft("legacy", LEGACY_KIND, Long.toString(usdPrice), List.of(List.of("type", "priceUsd"),
                List.of("block", Long.toString(height)), List.of("medianFee", Long.toString(Math.round(fee)))));
    }
}
