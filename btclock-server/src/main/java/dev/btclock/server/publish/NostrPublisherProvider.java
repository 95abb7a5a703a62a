package dev.btclock.server.publish;

import dev.btclock.core.config.Secrets;
import dev.btclock.core.config.Settings;
import dev.btclock.core.state.Change;
import dev.btclock.nostr.NostrKeys;
import dev.btclock.nostr.NostrPublisher;
import dev.btclock.nostr.RelayStats;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code nostr}: signed kind-30078 events per datum to Nostr relays (docs/nostr.md), on with
 * {@code PUBLISH_TO_NOSTR=true} or {@code PUBLISHERS=nostr}.
 *
 * <ul>
 *   <li>{@code NOSTR_PRIV}: the key, 64 hex digits or {@code nsec1...} (required; never echoed)</li>
 *   <li>{@code NOSTR_RELAYS}: comma-separated {@code wss://} or {@code ws://} URLs (default {@code wss://relay.primal.net})</li>
 *   <li>{@code NOSTR_REFRESH_SECONDS}: unchanged data is re-published this often (default 1800)</li>
 *   <li>{@code NOSTR_PRICE_INTERVAL_SECONDS}: a currency's price is published at most this often, the newest
 *       value winning (default 60: exchange prices change every second, relays rate-limit)</li>
 *   <li>{@code NOSTR_LEGACY_EVENT}: also the combined kind-12203 event for v3.3 devices (default false)</li>
 * </ul>
 */
public final class NostrPublisherProvider implements PublisherProvider {

    @Override
    public String name() {
        return "nostr";
    }

    @Override
    public boolean enabledBy(Map<String, String> settings) {
        return new Settings(settings).bool("PUBLISH_TO_NOSTR", false);
    }

    @Override
    public ChangePublisher create(PublisherContext context) {
        Settings s = new Settings(context.settings());
        NostrKeys keys = null;
        String priv = s.string("NOSTR_PRIV", "");
        if (priv.isBlank()) {
            s.problem("NOSTR_PRIV", "is required when PUBLISH_TO_NOSTR=true (64 hex digits or nsec1...)");
        } else {
            try {
                keys = NostrKeys.parse(priv);
            } catch (IllegalArgumentException e) {
                // The message never contains the value: it is a secret.
                s.problem("NOSTR_PRIV", "is not a usable key: " + e.getMessage());
            }
        }
        List<URI> relays = new ArrayList<>();
        for (String r : s.string("NOSTR_RELAYS", "wss://relay.primal.net").split(",")) {
            String url = r.trim();
            try {
                URI u = URI.create(url);
                if (!("wss".equals(u.getScheme()) || "ws".equals(u.getScheme())) || u.getHost() == null) {
                    throw new IllegalArgumentException("scheme");
                }
                relays.add(u);
            } catch (IllegalArgumentException e) {
                s.problem("NOSTR_RELAYS", "\"" + url + "\" is not a wss:// or ws:// relay URL");
            }
        }
        Duration refresh = s.seconds("NOSTR_REFRESH_SECONDS", Duration.ofMinutes(30), 60, 3000);
        Duration priceInterval = s.seconds("NOSTR_PRICE_INTERVAL_SECONDS", Duration.ofSeconds(60), 1, 3000);
        boolean legacy = s.bool("NOSTR_LEGACY_EVENT", false);
        s.check();
        NostrPublisher nostr = new NostrPublisher(keys, List.copyOf(relays), refresh, priceInterval, legacy, context.clock(),
                dev.btclock.nostr.RelayPool.Timing.DEFAULTS);
        context.metrics().nostr(nostr::stats, nostr::connected);
        return new ChangePublisher() {
            @Override
            public void start() {
                nostr.start();
            }

            @Override
            public void publish(Change change) {
                if (change instanceof Change.Price p) {
                    nostr.price(p.currency(), p.price());
                } else if (change instanceof Change.Block b) {
                    nostr.block(b.height());
                } else if (change instanceof Change.Fee f) {
                    nostr.fee(f.fee());
                }
            }

            @Override
            public List<Destination> destinations() {
                Map<String, RelayStats> stats = nostr.stats();
                Map<String, Boolean> connected = nostr.connected();
                List<Destination> list = new ArrayList<>();
                for (URI relay : relays) {
                    String url = relay.toString();
                    RelayStats r = stats.get(url);
                    long failed = r == null ? 0 : r.failures().values().stream().mapToLong(Long::longValue).sum();
                    list.add(new Destination(Secrets.maskUserInfo(url), Boolean.TRUE.equals(connected.get(url)),
                            r == null ? 0 : r.published(), r == null ? 0 : r.delivered(), failed));
                }
                return list;
            }

            @Override
            public void close() {
                nostr.close();
            }
        };
    }
}
