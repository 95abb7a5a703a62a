package dev.btclock.nostr;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** BIP-340's vectors, docs/nostr.md vectors A-C byte for byte, and NIP-19's example keys. */
class SigningVectorsTest {

    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] ZERO_AUX = new byte[32];

    @Test
    void bip340_everyVectorOfTheFinalCsv() throws Exception {
        int signed = 0;
        int checked = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                getClass().getResourceAsStream("bip340-test-vectors.csv"), StandardCharsets.UTF_8))) {
            r.readLine();
            for (String line; (line = r.readLine()) != null; ) {
                String[] f = line.split(",", -1);
                byte[] pub = HEX.parseHex(f[2]);
                byte[] msg = HEX.parseHex(f[4]);
                byte[] sig = HEX.parseHex(f[5]);
                boolean valid = f[6].equals("TRUE");
                if (!f[1].isEmpty()) {
                    byte[] secret = HEX.parseHex(f[1]);
                    assertEquals(f[2], HEX.formatHex(Schnorr.publicKey(secret)).toUpperCase(Locale.ROOT), "vector " + f[0] + " key");
                    assertEquals(f[5], HEX.formatHex(Schnorr.sign(msg, secret, HEX.parseHex(f[3]))).toUpperCase(Locale.ROOT),
                            "vector " + f[0] + " signature");
                    signed++;
                }
                assertEquals(valid, Schnorr.verify(sig, msg, pub), "vector " + f[0] + " verification (" + f[7] + ")");
                checked++;
            }
        }
        assertEquals(19, checked, "vectors 0-18, including the messages of 0, 1, 17 and 100 bytes");
        assertEquals(8, signed, "every vector that gives a secret key");
    }

    @Test
    void vectorA_priceEvent() {
        NostrKeys keys = NostrKeys.parse("nsec1vl029mgpspedva04g90vltkh6fvh240zqtv9k0t9af8935ke9laqsnlfe5");
        assertEquals("7e7e9c42a91bfef19fa929e5fda1b72e0ebc1a4c1141673e2794234d86addf4e", keys.publicKeyHex());
        assertEquals("npub10elfcs4fr0l0r8af98jlmgdh9c8tcxjvz9qkw038js35mp4dma8qzvjptg", keys.npub());
        List<List<String>> tags = List.of(List.of("d", "btclock:price:USD"));
        assertEquals("[0,\"7e7e9c42a91bfef19fa929e5fda1b72e0ebc1a4c1141673e2794234d86addf4e\",1700000000,30078,"
                + "[[\"d\",\"btclock:price:USD\"]],\"97123\"]", NostrEvent.canonical(keys.publicKeyHex(), 1700000000, 30078, tags, "97123"));
        NostrEvent e = NostrEvent.sign(keys, 1700000000, 30078, tags, "97123", ZERO_AUX);
        assertEquals("a0df50290c9491787dcd367e34a56baaee04362e5b28718506783d3f45d67c09", e.id());
        assertEquals("8f0361f556fd66ccdfb6dfd4a5518ccc5011796bc8411131d0388e0520662abb63cc5bad9a2b40f8aa10d2c40cdf3ff9154a07eef0376874518b9bcf3084c487",
                e.sig());
        assertTrue(e.verify());
    }

    @Test
    void vectorB_contentNeedingEscapes() {
        NostrKeys keys = NostrKeys.parse("67dea2ed018072d675f5415ecfaed7d2597555e202d85b3d65ea4e58d2d92ffa");
        String content = "a\"b\\c\nd\te\u0001f\u007fg é€😀 <&>=";
        List<List<String>> tags = List.of(List.of("d", "btclock:price:USD"));
        String canonical = NostrEvent.canonical(keys.publicKeyHex(), 1700000000, 30078, tags, content);
        assertEquals(155, canonical.getBytes(StandardCharsets.UTF_8).length);
        assertTrue(canonical.contains("\\u0001") && canonical.contains("\u007f") && canonical.contains("<&>="));
        NostrEvent e = NostrEvent.sign(keys, 1700000000, 30078, tags, content, ZERO_AUX);
        assertEquals("e29383991cf057e656e511ea8de34bc301cd8451384460bce3fbb03a50048864", e.id());
        assertEquals("bf3fafc247d08e77124ec9aa1bd176b87dd5b61052c8ed8cb31cc704e4417e8675a62d8777ab03b6d189112a9a5edddff09eb43b9209e31f87ba67344ee29405",
                e.sig());
    }

    @Test
    void vectorC_keyWithOddY() {
        NostrKeys keys = NostrKeys.parse("0b432b2677937381aef05bb02a66ecd012773062cf3fa2549e44f58ed2401710");
        assertEquals("25d1dff95105f5253c4022f628a996ad3a0d95fbf21d468a1b33f8c160d8f517", keys.publicKeyHex());
        NostrEvent e = NostrEvent.sign(keys, 1700000000, 30078, List.of(List.of("d", "btclock:blockheight")), "871234", ZERO_AUX);
        assertEquals("65a054e82304325c971a3a04dbedb8a33e315994fad80ea4d5e5162943aced2f", e.id());
        assertEquals("b819bb4fcd736612f4e60a70097dfc1f3d420f70279c47dc2150a4a6c42fac788bbe4f189fd8f57ed329fb0761d57300f2bc542d7e4c5fe5fea0b3f01e24f7a8",
                e.sig());
    }

    @Test
    void tamperedEvent_doesNotVerify() {
        NostrKeys keys = NostrKeys.parse("0b432b2677937381aef05bb02a66ecd012773062cf3fa2549e44f58ed2401710");
        NostrEvent e = NostrEvent.sign(keys, 1700000000, 30078, List.of(List.of("d", "blockheight")), "871234", ZERO_AUX);
        NostrEvent changed = new NostrEvent(e.id(), e.pubkey(), e.createdAt(), e.kind(), e.tags(), "871235", e.sig());
        assertFalse(changed.verify());
    }

    @Test
    void bech32_refusesBadChecksumMixedCaseAndPadding_andNeverEchoesTheKey() {
        String nsec = "nsec1vl029mgpspedva04g90vltkh6fvh240zqtv9k0t9af8935ke9laqsnlfe5";
        var bad = assertThrows(IllegalArgumentException.class, () -> NostrKeys.parse(nsec.substring(0, nsec.length() - 1) + "6"));
        assertEquals("bech32: bad checksum", bad.getMessage());
        var mixed = assertThrows(IllegalArgumentException.class, () -> NostrKeys.parse("nsec1VL029mgpspedva04g90vltkh6fvh240zqtv9k0t9af8935ke9laqsnlfe5"));
        assertEquals("bech32: mixed case", mixed.getMessage());
        assertEquals(HEX.formatHex(NostrKeys.parse(nsec.toUpperCase(Locale.ROOT)).secret()),
                "67dea2ed018072d675f5415ecfaed7d2597555e202d85b3d65ea4e58d2d92ffa", "all upper case is fine");
        // 33 bytes of data regrouped with non-zero padding bits: built by encoding then corrupting the last data char.
        String padded = Bech32.encode("nsec", new byte[31]);
        assertEquals(31, Bech32.decode(padded).data().length);
        assertThrows(IllegalArgumentException.class, () -> NostrKeys.parse(padded), "31 bytes is not a key");
        var hex = assertThrows(IllegalArgumentException.class, () -> NostrKeys.parse("xyz"));
        assertFalse(hex.getMessage().contains("xyz"));
        assertFalse(NostrKeys.parse(nsec).toString().contains("67dea2"));
    }

    @Test
    void bech32_paddingWithNonZeroBits_isRefused() {
        // "a" + 1 + one data char + checksum: 5 bits of data cannot form a byte and are not all zero.
        String s = withChecksum("nsec", new int[] {31});
        assertEquals("bech32: bad padding", assertThrows(IllegalArgumentException.class, () -> Bech32.decode(s)).getMessage());
    }

    /** A bech32 string with arbitrary 5-bit values and a valid checksum (to reach the padding check). */
    private static String withChecksum(String hrp, int[] values) {
        String charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
        int[] all = new int[values.length + 6];
        System.arraycopy(values, 0, all, 0, values.length);
        int chk = 1;
        int[] gen = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
        int[] expanded = new int[hrp.length() * 2 + 1 + all.length];
        int k = 0;
        for (char c : hrp.toCharArray()) {
            expanded[k++] = c >> 5;
        }
        expanded[k++] = 0;
        for (char c : hrp.toCharArray()) {
            expanded[k++] = c & 31;
        }
        System.arraycopy(all, 0, expanded, k, all.length);
        for (int v : expanded) {
            int top = chk >>> 25;
            chk = (chk & 0x1ffffff) << 5 ^ v;
            for (int i = 0; i < 5; i++) {
                if ((top >>> i & 1) != 0) {
                    chk ^= gen[i];
                }
            }
        }
        int mod = chk ^ 1;
        for (int i = 0; i < 6; i++) {
            all[values.length + i] = (mod >>> (5 * (5 - i))) & 31;
        }
        StringBuilder sb = new StringBuilder(hrp).append('1');
        for (int v : all) {
            sb.append(charset.charAt(v));
        }
        return sb.toString();
    }
}
