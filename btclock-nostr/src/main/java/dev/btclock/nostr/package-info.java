/**
 * Nostr publishing: canonical NIP-01 event ids, BIP-340 signatures, NIP-19 keys, the kind-30078
 * events BTClock devices read (docs/protocol.md §6.4), and relay connections with NIP-42 AUTH.
 */
package dev.btclock.nostr;
