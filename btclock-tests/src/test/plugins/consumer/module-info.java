module com.example.consumer {
    requires dev.btclock.core;
    requires dev.btclock.upstream;
    requires dev.btclock.bus;
    requires dev.btclock.nostr;
}
