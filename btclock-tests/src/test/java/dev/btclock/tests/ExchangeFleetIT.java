package dev.btclock.tests;

import dev.btclock.bus.valkey.RedisServerProcess;
import dev.btclock.core.Await;
import dev.btclock.server.ServerAssembly;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code PRICE_SOURCE=exchanges} in a fleet on a real {@code redis-server}: only the leader runs the
 * upstream, so each exchange sees one connection per fleet, and the followers' devices get the
 * leader's median; when the leader goes, the next one opens the connections.
 */
class ExchangeFleetIT {

    private static final Duration DEADLINE = Duration.ofSeconds(20);

    private RedisServerProcess redis;
    private FakeMempoolServer mempool;
    private final List<FakeExchange> exchanges = new ArrayList<>();
    private final List<ServerAssembly> nodes = new ArrayList<>();
    private final String prefix = "xf-" + UUID.randomUUID().toString().substring(0, 8) + ":";

    @BeforeEach
    void start() throws Exception {
        redis = RedisServerProcess.start();
        mempool = FakeMempoolServer.start();
        exchanges.addAll(List.of(FakeKraken.start(), FakeCoinbase.start(), FakeBitfinex.start(), FakeBinance.start()));
    }

    @AfterEach
    void stop() throws Exception {
        nodes.forEach(ServerAssembly::close);
        for (FakeExchange e : exchanges) {
            e.close();
        }
        mempool.close();
        redis.close();
    }

    private ServerAssembly node() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("BROKER", "valkey");
        env.put("BROKER_URL", redis.url());
        env.put("BROKER_PREFIX", prefix);
        env.put("LEADER_LEASE_SECONDS", "5");
        env.put("PRICE_SOURCE", "exchanges");
        env.put("KRAKEN_URL", exchanges.get(0).url());
        env.put("COINBASE_URL", exchanges.get(1).url());
        env.put("BITFINEX_URL", exchanges.get(2).url());
        env.put("BINANCE_URL", exchanges.get(3).url());
        ServerAssembly n = TestServer.start(TestServer.config(mempool, env));
        nodes.add(n);
        return n;
    }

    private String connections() {
        StringBuilder sb = new StringBuilder();
        for (FakeExchange e : exchanges) {
            sb.append(e.getClass().getSimpleName()).append('=').append(e.clients()).append(' ');
        }
        return sb.append("mempool=").append(mempool.clients()).toString();
    }

    @Test
    void oneConnectionPerExchangePerFleet_onTheLeader_andTheNextLeaderTakesThemOver() throws Exception {
        ServerAssembly first = node();
        Await.until("first leads", DEADLINE, first::isLeader);
        ServerAssembly second = node();
        Await.until("both have prices", DEADLINE, () -> nodes.stream().allMatch(n -> n.state().snapshot().prices().containsKey("CAD")));
        Await.until("the leader's connections", DEADLINE,
                () -> connections().equals("FakeKraken=1 FakeCoinbase=1 FakeBitfinex=1 FakeBinance=1 mempool=1"), this::connections);
        assertTrue(first.isLeader() && !second.isLeader());

        for (FakeExchange e : exchanges) {
            e.price("USD", 125_000);
        }
        Await.until("the follower's devices get the leader's median", DEADLINE,
                () -> Long.valueOf(125_000).equals(second.state().snapshot().prices().get("USD")));

        first.close();
        nodes.remove(first);
        Await.until("the second leads and holds every connection", DEADLINE, () -> second.isLeader()
                && connections().equals("FakeKraken=1 FakeCoinbase=1 FakeBitfinex=1 FakeBinance=1 mempool=1"), this::connections);
        for (FakeExchange e : exchanges) {
            e.price("USD", 126_000);
        }
        Await.until("prices flow from the new leader", DEADLINE,
                () -> Long.valueOf(126_000).equals(second.state().snapshot().prices().get("USD")));
    }
}
