/**
 * Nostr publishing for BTClock data, usable on its own: NIP-01 canonical event ids, BIP-340
 * Schnorr signatures through libsecp256k1, NIP-19 {@code nsec} keys, and the kind-30078 events
 * BTClock devices read.
 */
module dev.btclock.nostr {
    requires dev.btclock.core;
    requires org.slf4j;
    requires com.google.gson;
    requires java.net.http;
    requires secp256k1.kmp.jvm;

    exports dev.btclock.nostr;
}
