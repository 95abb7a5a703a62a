package dev.btclock.nostr;

import fr.acinq.secp256k1.Secp256k1;

import java.util.Arrays;

/** BIP-340 through libsecp256k1 (ACINQ's JNI build): sign, verify, x-only public keys. */
public final class Schnorr {

    private Schnorr() {
    }

    /** The 32-byte x-only public key of a 32-byte secret key. */
    public static byte[] publicKey(byte[] secret) {
        byte[] uncompressed = Secp256k1.get().pubkeyCreate(secret);
        return Arrays.copyOfRange(uncompressed, 1, 33);
    }

    /** Signs the 32-byte {@code message} with {@code aux} (32 bytes of fresh randomness in production). */
    public static byte[] sign(byte[] message, byte[] secret, byte[] aux) {
        return Secp256k1.get().signSchnorr(message, secret, aux);
    }

    /** Whether {@code signature} is valid for {@code message} under the x-only {@code publicKey}. */
    public static boolean verify(byte[] signature, byte[] message, byte[] publicKey) {
        try {
            return Secp256k1.get().verifySchnorr(signature, message, publicKey);
        } catch (RuntimeException e) {
            // libsecp256k1 refuses malformed keys (not on the curve) with an exception: that is "invalid".
            return false;
        }
    }
}
