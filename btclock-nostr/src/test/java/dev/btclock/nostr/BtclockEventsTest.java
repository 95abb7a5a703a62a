package dev.btclock.nostr;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The contents and tags of docs/protocol.md §6.4, exactly. */
class BtclockEventsTest {

    @Test
    void blockheight() {
        BtclockEvents.Draft d = BtclockEvents.blockheight(870123, 9.88);
        assertEquals("blockheight", d.d());
        assertEquals(30078, d.kind());
        assertEquals("870123", d.content());
        assertEquals(List.of(List.of("d", "blockheight"), List.of("type", "blockHeight"), List.of("medianFee", "10")), d.tags());
    }

    @Test
    void medianFee_inJavaScriptNumberFormat() {
        assertEquals("9.88", BtclockEvents.medianFee(9.88).content());
        assertEquals("13", BtclockEvents.medianFee(13).content());
        assertEquals("0.5", BtclockEvents.medianFee(0.5).content());
        assertEquals(List.of(List.of("d", "medianFee")), BtclockEvents.medianFee(13).tags());
    }

    @Test
    void prices_usdCarriesTheV3Tags_othersOnlyD() {
        BtclockEvents.Draft usd = BtclockEvents.price("USD", 64212, 870123L, 9.88);
        assertEquals("price:USD", usd.d());
        assertEquals("64212", usd.content());
        assertEquals(List.of(List.of("d", "price:USD"), List.of("type", "priceUsd"), List.of("block", "870123"),
                List.of("medianFee", "10")), usd.tags());
        BtclockEvents.Draft eur = BtclockEvents.price("EUR", 59123, 870123L, 9.88);
        assertEquals(List.of(List.of("d", "price:EUR")), eur.tags());
        assertEquals("59123", eur.content());
    }

    @Test
    void legacyCombinedEvent_andNoExpirationAnywhere() {
        BtclockEvents.Draft l = BtclockEvents.legacy(64212, 870123, 9.88);
        assertEquals(12203, l.kind());
        assertEquals("64212", l.content());
        assertEquals(List.of(List.of("type", "priceUsd"), List.of("block", "870123"), List.of("medianFee", "10")), l.tags());
        for (BtclockEvents.Draft d : List.of(l, BtclockEvents.blockheight(1, 1.0), BtclockEvents.medianFee(1),
                BtclockEvents.price("USD", 1, 1L, 1.0))) {
            assertTrue(d.tags().stream().noneMatch(t -> t.get(0).equals("expiration")));
        }
    }

    @Test
    void signedDraft_verifies() {
        NostrKeys keys = NostrKeys.parse("0b432b2677937381aef05bb02a66ecd012773062cf3fa2549e44f58ed2401710");
        NostrEvent e = BtclockEvents.blockheight(870123, 12.0).sign(keys, 1_700_000_000, new byte[32]);
        assertTrue(e.verify());
        assertTrue(e.toJson().startsWith("{\"id\":\"" + e.id() + "\",\"pubkey\":\"" + keys.publicKeyHex()
                + "\",\"created_at\":1700000000,\"kind\":30078,\"tags\":[[\"d\",\"blockheight\"],"));
    }
}
