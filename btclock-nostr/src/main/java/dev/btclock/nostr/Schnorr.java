package dev.btclock.nostr;

import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.math.ec.ECAlgorithms;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.bouncycastle.util.BigIntegers;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * BIP-340 Schnorr signatures over secp256k1, written from the BIP on Bouncy Castle's curve
 * arithmetic: sign, verify, x-only public keys. Pure Java, so it runs on every CPU a Raspberry Pi
 * ships with and on the module path; it passes every vector of the BIP's final test file.
 *
 * <p>Secret-dependent point multiplications use Bouncy Castle's fixed-point comb, whose sequence of
 * operations does not depend on the scalar; the final scalar arithmetic uses {@link BigInteger}, as
 * Bouncy Castle's own signers do. Signing costs about 0.2 ms, verification about the same.
 */
public final class Schnorr {

    private static final X9ECParameters CURVE = CustomNamedCurves.getByName("secp256k1");
    private static final ECCurve C = CURVE.getCurve();
    private static final ECPoint G = CURVE.getG();
    private static final BigInteger N = CURVE.getN();
    private static final BigInteger P = C.getField().getCharacteristic();
    private static final FixedPointCombMultiplier MULTIPLIER = new FixedPointCombMultiplier();
    private static final byte[] AUX_TAG = tagHash("BIP0340/aux");
    private static final byte[] NONCE_TAG = tagHash("BIP0340/nonce");
    private static final byte[] CHALLENGE_TAG = tagHash("BIP0340/challenge");

    private Schnorr() {
    }

    /**
     * The 32-byte x-only public key of a 32-byte secret key.
     *
     * @throws IllegalArgumentException when the secret is not 32 bytes, zero, or not below the curve order
     */
    public static byte[] publicKey(byte[] secret) {
        return xOnly(MULTIPLIER.multiply(G, scalar(secret)).normalize());
    }

    /**
     * Signs {@code message} (a 32-byte event id for Nostr; BIP-340 allows any length) with
     * {@code aux}, 32 bytes of fresh randomness in production.
     *
     * @return the 64-byte signature
     * @throws IllegalArgumentException when the secret or {@code aux} is unusable
     */
    public static byte[] sign(byte[] message, byte[] secret, byte[] aux) {
        if (aux.length != 32) {
            throw new IllegalArgumentException("aux must be 32 bytes");
        }
        BigInteger d0 = scalar(secret);
        ECPoint pub = MULTIPLIER.multiply(G, d0).normalize();
        BigInteger d = hasEvenY(pub) ? d0 : N.subtract(d0);
        byte[] px = xOnly(pub);
        byte[] t = BigIntegers.asUnsignedByteArray(32, d);
        byte[] auxHash = taggedHash(AUX_TAG, aux);
        for (int i = 0; i < 32; i++) {
            t[i] ^= auxHash[i];
        }
        BigInteger k0 = new BigInteger(1, taggedHash(NONCE_TAG, t, px, message)).mod(N);
        Arrays.fill(t, (byte) 0);
        if (k0.signum() == 0) {
            throw new IllegalArgumentException("nonce is zero (negligible probability)");
        }
        ECPoint r = MULTIPLIER.multiply(G, k0).normalize();
        BigInteger k = hasEvenY(r) ? k0 : N.subtract(k0);
        byte[] rx = xOnly(r);
        BigInteger e = new BigInteger(1, taggedHash(CHALLENGE_TAG, rx, px, message)).mod(N);
        byte[] sig = new byte[64];
        System.arraycopy(rx, 0, sig, 0, 32);
        System.arraycopy(BigIntegers.asUnsignedByteArray(32, k.add(e.multiply(d)).mod(N)), 0, sig, 32, 32);
        if (!verify(sig, message, px)) {
            throw new IllegalStateException("BIP-340 signature did not verify");
        }
        return sig;
    }

    /** Whether {@code signature} is valid for {@code message} under the x-only {@code publicKey}; never throws. */
    public static boolean verify(byte[] signature, byte[] message, byte[] publicKey) {
        if (signature == null || message == null || publicKey == null || signature.length != 64
                || publicKey.length != 32) {
            return false;
        }
        ECPoint pub = liftX(new BigInteger(1, publicKey));
        if (pub == null) {
            return false;
        }
        BigInteger r = new BigInteger(1, Arrays.copyOfRange(signature, 0, 32));
        BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, 32, 64));
        if (r.compareTo(P) >= 0 || s.compareTo(N) >= 0) {
            return false;
        }
        BigInteger e = new BigInteger(1, taggedHash(CHALLENGE_TAG, Arrays.copyOfRange(signature, 0, 32), publicKey,
                message)).mod(N);
        ECPoint rPoint = ECAlgorithms.sumOfTwoMultiplies(G, s, pub, N.subtract(e)).normalize();
        return !rPoint.isInfinity() && hasEvenY(rPoint) && rPoint.getAffineXCoord().toBigInteger().equals(r);
    }

    /** The secret as a scalar in [1, n-1]. */
    private static BigInteger scalar(byte[] secret) {
        if (secret == null || secret.length != 32) {
            throw new IllegalArgumentException("a secret key has 32 bytes");
        }
        BigInteger d = new BigInteger(1, secret);
        if (d.signum() == 0 || d.compareTo(N) >= 0) {
            throw new IllegalArgumentException("secret key is zero or not below the curve order");
        }
        return d;
    }

    /** The point with x-coordinate {@code x} and even y, or null when there is none. */
    private static ECPoint liftX(BigInteger x) {
        if (x.compareTo(P) >= 0) {
            return null;
        }
        byte[] compressed = new byte[33];
        compressed[0] = 0x02;
        System.arraycopy(BigIntegers.asUnsignedByteArray(32, x), 0, compressed, 1, 32);
        try {
            return C.decodePoint(compressed).normalize();
        } catch (IllegalArgumentException notOnCurve) {
            return null;
        }
    }

    private static boolean hasEvenY(ECPoint p) {
        return !p.getAffineYCoord().testBitZero();
    }

    private static byte[] xOnly(ECPoint p) {
        return p.getAffineXCoord().getEncoded();
    }

    private static byte[] tagHash(String tag) {
        return sha256().digest(tag.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] taggedHash(byte[] tagHash, byte[]... parts) {
        MessageDigest sha = sha256();
        sha.update(tagHash);
        sha.update(tagHash);
        for (byte[] part : parts) {
            sha.update(part);
        }
        return sha.digest();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
