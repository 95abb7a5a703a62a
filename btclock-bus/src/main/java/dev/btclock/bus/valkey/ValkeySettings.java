package dev.btclock.bus.valkey;

import dev.btclock.core.config.Settings;

import java.time.Duration;

/**
 * The {@code valkey} bus settings.
 *
 * @param url        {@code BROKER_URL}: {@code host:port} or {@code redis[s]://[user:password@]host:port[/db]} (default {@code 127.0.0.1:6379})
 * @param prefix     {@code BROKER_PREFIX}: key prefix (default {@code btclock:}); the stream is {@code <prefix>events}
 * @param maxLen     {@code BROKER_MAXLEN}: approximate stream length kept (default 10000)
 * @param staleAfter {@code BROKER_STALE_SECONDS}: silence from the broker after which a node that does not lead runs the
 *                   upstream itself for its own devices, and {@code /healthz} says {@code degraded: broker unreachable} (default 15)
 * @param lease      {@code LEADER_LEASE_SECONDS}: the upstream lease (default 15)
 */
record ValkeySettings(BrokerUrl url, String prefix, int maxLen, Duration staleAfter, Duration lease) {

    static ValkeySettings from(Settings s) {
        BrokerUrl url = null;
        try {
            url = BrokerUrl.parse(s.string("BROKER_URL", "127.0.0.1:6379"));
        } catch (IllegalArgumentException e) {
            s.problem("BROKER_URL", e.getMessage());
        }
        String prefix = s.string("BROKER_PREFIX", "btclock:");
        int maxLen = s.integer("BROKER_MAXLEN", 10_000, 100, 10_000_000);
        Duration stale = s.seconds("BROKER_STALE_SECONDS", Duration.ofSeconds(15), 5, 3600);
        Duration lease = s.seconds("LEADER_LEASE_SECONDS", Duration.ofSeconds(15), 3, 600);
        s.check();
        return new ValkeySettings(url, prefix, maxLen, stale, lease);
    }
}
