package dev.btclock.nostr;

import java.util.HexFormat;
import java.util.Locale;

/**
 * A signing key: from 64 hex digits or a NIP-19 {@code nsec}. The secret never appears in
 * {@link #toString()} or in an error message.
 */
public final class NostrKeys {

    private final byte[] secret;
    private final byte[] publicKey;

    private NostrKeys(byte[] secret) {
        this.secret = secret;
        this.publicKey = Schnorr.publicKey(secret);
    }

    /**
     * Parses a secret key given as hex or {@code nsec1...}.
     *
     * @throws IllegalArgumentException saying what is wrong, without the value
     */
    public static NostrKeys parse(String value) {
        String v = value.trim();
        byte[] secret;
        if (v.toLowerCase(Locale.ROOT).startsWith("nsec1")) {
            Bech32.Decoded d = Bech32.decode(v);
            if (!d.hrp().equals("nsec")) {
                throw new IllegalArgumentException("not an nsec key");
            }
            secret = d.data();
        } else if (v.matches("[0-9a-fA-F]{64}")) {
            secret = HexFormat.of().parseHex(v);
        } else {
            throw new IllegalArgumentException("must be 64 hex digits or an nsec1... key");
        }
        if (secret.length != 32) {
            throw new IllegalArgumentException("a secret key has 32 bytes, this one " + secret.length);
        }
        try {
            return new NostrKeys(secret);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a valid secp256k1 secret key (zero or not below the curve order)");
        }
    }

    /** The x-only public key, lowercase hex (an event's {@code pubkey}). */
    public String publicKeyHex() {
        return HexFormat.of().formatHex(publicKey);
    }

    /** The public key as NIP-19 {@code npub}. */
    public String npub() {
        return Bech32.encode("npub", publicKey);
    }

    byte[] secret() {
        return secret.clone();
    }

    @Override
    public String toString() {
        return "NostrKeys[" + npub() + "]";
    }
}
