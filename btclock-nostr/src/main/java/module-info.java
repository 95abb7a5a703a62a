/**
 * Nostr publishing for BTClock data, usable on its own: NIP-01 canonical event ids, BIP-340
 * Schnorr signatures (pure Java, on Bouncy Castle), NIP-19 {@code nsec} keys, and the kind-30078 events
 * BTClock devices read.
 */
module dev.btclock.nostr {
    requires dev.btclock.core;
    requires org.slf4j;
    requires com.google.gson;
    requires java.net.http;
    requires org.bouncycastle.provider;

    exports dev.btclock.nostr;
}
