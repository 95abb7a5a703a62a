package dev.btclock.nostr;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A signed Nostr event (NIP-01).
 *
 * @param id        sha256 of the canonical serialization, lowercase hex
 * @param pubkey    x-only public key, lowercase hex
 * @param createdAt unix seconds
 * @param kind      event kind
 * @param tags      tags, each a list of strings
 * @param content   content
 * @param sig       BIP-340 signature of the id bytes, lowercase hex
 */
public record NostrEvent(String id, String pubkey, long createdAt, int kind, List<List<String>> tags, String content,
                         String sig) {

    /** Copies the tags. */
    public NostrEvent {
        tags = tags.stream().map(List::copyOf).toList();
    }

    /**
     * Builds and signs an event.
     *
     * @param aux 32 bytes of signing randomness (fresh per signature in production; zeros reproduce the vectors)
     */
    public static NostrEvent sign(NostrKeys keys, long createdAt, int kind, List<List<String>> tags, String content,
                                  byte[] aux) {
        String pubkey = keys.publicKeyHex();
        byte[] id = sha256(canonical(pubkey, createdAt, kind, tags, content).getBytes(StandardCharsets.UTF_8));
        byte[] sig = Schnorr.sign(id, keys.secret(), aux);
        return new NostrEvent(HexFormat.of().formatHex(id), pubkey, createdAt, kind, tags, content,
                HexFormat.of().formatHex(sig));
    }

    /** Whether the id matches the fields and the signature is valid for it. */
    public boolean verify() {
        byte[] expected = sha256(canonical(pubkey, createdAt, kind, tags, content).getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(expected).equals(id)
                && Schnorr.verify(HexFormat.of().parseHex(sig), expected, HexFormat.of().parseHex(pubkey));
    }

    /**
     * NIP-01's serialization for the id: {@code [0,pubkey,created_at,kind,tags,content]} with no
     * whitespace, strings escaped exactly as JSON.stringify and go-nostr do (docs/nostr.md §1.1):
     * {@code \"}, {@code \\}, {@code \b \f \n \r \t}, other controls as lowercase {@code &#92;u00xx},
     * everything else verbatim (no HTML-safe or U+2028 escaping, which would change the id).
     */
    public static String canonical(String pubkey, long createdAt, int kind, List<List<String>> tags, String content) {
        StringBuilder sb = new StringBuilder(128 + content.length());
        sb.append("[0,");
        string(sb, pubkey);
        sb.append(',').append(createdAt).append(',').append(kind).append(',');
        tags(sb, tags);
        sb.append(',');
        string(sb, content);
        return sb.append(']').toString();
    }

    private static void tags(StringBuilder sb, List<List<String>> tags) {
        sb.append('[');
        for (int i = 0; i < tags.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append('[');
            List<String> tag = tags.get(i);
            for (int j = 0; j < tag.size(); j++) {
                if (j > 0) {
                    sb.append(',');
                }
                string(sb, tag.get(j));
            }
            sb.append(']');
        }
        sb.append(']');
    }

    /** The event as the JSON object relays receive (same escaping as the id serialization). */
    public String toJson() {
        StringBuilder sb = new StringBuilder(256 + content.length());
        sb.append("{\"id\":");
        string(sb, id);
        sb.append(",\"pubkey\":");
        string(sb, pubkey);
        sb.append(",\"created_at\":").append(createdAt).append(",\"kind\":").append(kind).append(",\"tags\":");
        tags(sb, tags);
        sb.append(",\"content\":");
        string(sb, content);
        sb.append(",\"sig\":");
        string(sb, sig);
        return sb.append('}').toString();
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
