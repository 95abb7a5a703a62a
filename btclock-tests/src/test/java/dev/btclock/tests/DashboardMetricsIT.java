package dev.btclock.tests;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.btclock.bus.valkey.RedisServerProcess;
import dev.btclock.core.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The monitoring files of {@code deploy/} against the server: every metric the Grafana dashboard and
 * the Prometheus alerting rules query is in the {@code /metrics} of the shipped jar (run with a
 * Valkey broker, exchange prices, Nostr relays and some hostile clients, so that every optional
 * family has samples); the dashboard is well-formed; and promtool accepts the rules and passes
 * their unit tests.
 */
class DashboardMetricsIT {

    private static final Logger LOG = LoggerFactory.getLogger(DashboardMetricsIT.class);

    private static final Path ROOT = Path.of("..");
    private static final Path DASHBOARD = ROOT.resolve("deploy/grafana/btclock-dashboard.json");
    private static final Path PROMETHEUS = ROOT.resolve("deploy/prometheus");
    private static final Path ALERTS = PROMETHEUS.resolve("alerts.yml");

    /** Series Prometheus writes itself, for every target and alerting rule: never in a server's output. */
    private static final Set<String> PROMETHEUS_SERIES = Set.of("up", "scrape_duration_seconds", "scrape_samples_scraped",
            "scrape_samples_post_metric_relabeling", "scrape_series_added", "ALERTS", "ALERTS_FOR_STATE");

    /** An {@code expr:} key of a rule, its indentation and its value (a plain scalar, or | / > for a block). */
    private static final Pattern EXPR = Pattern.compile("^(\\s*(?:- )?)expr:\\s*(.*)$");

    private RedisServerProcess redis;
    private FakeMempoolServer mempool;
    private final List<FakeExchange> exchanges = new ArrayList<>();
    private final List<FakeRelay> relays = new ArrayList<>();
    private ServerProcess server;
    private final List<AutoCloseable> connections = new ArrayList<>();
    private String scraped = "";
    private long nextScrapeNanos;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : connections) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
        for (FakeRelay r : relays) {
            r.close();
        }
        for (FakeExchange e : exchanges) {
            e.close();
        }
        if (mempool != null) {
            mempool.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    // ------------------------------------------------------------------ the dashboard's shape

    @Test
    void dashboard_parses_everyPanelHasATitle_andQueriesTheTemplatedDataSource() throws IOException {
        JsonObject dashboard = JsonParser.parseString(Files.readString(DASHBOARD)).getAsJsonObject();
        assertTrue(dashboard.get("schemaVersion").getAsInt() >= 36, "schemaVersion " + dashboard.get("schemaVersion"));
        assertFalse(dashboard.get("uid").getAsString().isBlank(), "a fixed uid keeps links to the dashboard stable");
        JsonObject dataSource = null;
        for (JsonElement v : dashboard.getAsJsonObject("templating").getAsJsonArray("list")) {
            if (v.getAsJsonObject().get("name").getAsString().equals("DS_PROMETHEUS")) {
                dataSource = v.getAsJsonObject();
            }
        }
        assertTrue(dataSource != null && dataSource.get("type").getAsString().equals("datasource")
                && dataSource.get("query").getAsString().equals("prometheus"), "a data source variable DS_PROMETHEUS: " + dataSource);

        List<JsonObject> panels = panels(dashboard);
        List<String> problems = new ArrayList<>();
        Set<Integer> ids = new TreeSet<>();
        for (JsonObject p : panels) {
            String title = p.has("title") ? p.get("title").getAsString().strip() : "";
            String name = title.isEmpty() ? "panel " + p.get("id") : "\"" + title + "\"";
            if (title.isEmpty()) {
                problems.add(name + " has no title");
            }
            if (!ids.add(p.get("id").getAsInt())) {
                problems.add(name + " repeats id " + p.get("id"));
            }
            if (p.get("type").getAsString().equals("row")) {
                continue;
            }
            if (!promDataSource(p.get("datasource"))) {
                problems.add(name + " has data source " + p.get("datasource"));
            }
            JsonArray targets = p.has("targets") ? p.getAsJsonArray("targets") : new JsonArray();
            if (targets.isEmpty()) {
                problems.add(name + " has no query");
            }
            for (JsonElement t : targets) {
                JsonObject target = t.getAsJsonObject();
                String expr = target.has("expr") ? target.get("expr").getAsString() : "";
                if (PromQl.metricNames(expr).isEmpty()) {
                    problems.add(name + " queries no metric: \"" + expr + "\"");
                }
                if (target.has("datasource") && !promDataSource(target.get("datasource"))) {
                    problems.add(name + " has a query on data source " + target.get("datasource"));
                }
            }
        }
        assertEquals(List.of(), problems, DASHBOARD + " (" + panels.size() + " panels)");
    }

    @Test
    void everyAlertingRule_hasAUnitTest() throws IOException {
        Set<String> alerts = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^\\s*- alert:\\s*(\\S+)\\s*$").matcher(Files.readString(ALERTS));
        while (m.find()) {
            alerts.add(m.group(1));
        }
        Set<String> tested = new TreeSet<>();
        m = Pattern.compile("(?m)^\\s*alertname:\\s*(\\S+)\\s*$").matcher(Files.readString(PROMETHEUS.resolve("alerts_test.yml")));
        while (m.find()) {
            tested.add(m.group(1));
        }
        assertFalse(alerts.isEmpty(), "no alerting rules found in " + ALERTS);
        Set<String> untested = new TreeSet<>(alerts);
        untested.removeAll(tested);
        assertEquals(Set.of(), untested, "alerting rules without a case in alerts_test.yml");
        Set<String> unknown = new TreeSet<>(tested);
        unknown.removeAll(alerts);
        assertEquals(Set.of(), unknown, "alerts_test.yml tests alerts that alerts.yml does not define");
    }

    // ------------------------------------------------------------------ promtool

    @Test
    void alertingRulesAndScrapeConfig_passPromtool() throws Exception {
        Optional<String> promtool = onPath("promtool");
        Assumptions.assumeTrue(promtool.isPresent(),
                "no promtool on PATH: skipping the promtool checks of deploy/prometheus (apt-get install prometheus)");
        // From the directory of the files, as Prometheus reads them: rule_files are relative to the config.
        promtool(promtool.get(), "check", "rules", "alerts.yml");
        promtool(promtool.get(), "check", "config", "prometheus.yml");
        promtool(promtool.get(), "test", "rules", "alerts_test.yml");
    }

    @Test
    void dashboardQueries_areValidPromQl() throws Exception {
        Optional<String> promtool = onPath("promtool");
        Assumptions.assumeTrue(promtool.isPresent(),
                "no promtool on PATH: skipping the PromQL check of the dashboard's queries (apt-get install prometheus)");
        // Each query as a recording rule, Grafana's variables filled in as Grafana would: promtool parses them all.
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        int n = 0;
        for (String expr : dashboardExpressions()) {
            if (expr.isBlank()) {
                continue;
            }
            Matcher v = Pattern.compile("\\$\\{?(\\w+)\\}?").matcher(expr);
            String filled = v.replaceAll(r -> r.group(1).startsWith("__") ? "5m" : ".*");
            rules.append("      - record: dashboard:query").append(++n).append("\n        expr: ")
                    .append(new com.google.gson.Gson().toJson(filled)).append('\n');
        }
        Path dir = Files.createTempDirectory("btclock-dashboard");
        Files.writeString(dir.resolve("dashboard-queries.yml"), rules);
        promtool(dir, promtool.get(), "check", "rules", "dashboard-queries.yml");
    }

    private static void promtool(String promtool, String... args) throws Exception {
        promtool(PROMETHEUS, promtool, args);
    }

    private static void promtool(Path dir, String promtool, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(promtool));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool " + String.join(" ", args) + " did not end");
        assertEquals(0, p.exitValue(), "promtool " + String.join(" ", args) + ":\n" + out);
    }

    // ------------------------------------------------------------------ the metrics against a server

    @Test
    void everyMetricTheDashboardAndTheAlertsQuery_isInTheServersMetrics() throws Exception {
        Map<String, Set<String>> queried = new TreeMap<>();
        for (String expr : dashboardExpressions()) {
            PromQl.metricNames(expr).forEach(n -> queried.computeIfAbsent(n, k -> new TreeSet<>()).add("dashboard"));
        }
        List<String> rules = alertExpressions();
        assertFalse(rules.isEmpty(), "no expr in " + ALERTS);
        for (String expr : rules) {
            PromQl.metricNames(expr).forEach(n -> queried.computeIfAbsent(n, k -> new TreeSet<>()).add("alerts.yml"));
        }
        queried.keySet().removeAll(PROMETHEUS_SERIES);
        LOG.info("[monitoring] metrics the dashboard and the alerting rules query: {}", queried.keySet());

        // One server with every optional family: the Valkey bus, exchange prices, Nostr relays (one
        // refusing every event); it runs the upstream, so the price source metrics are there too.
        redis = RedisServerProcess.start();
        mempool = FakeMempoolServer.start();
        exchanges.addAll(List.of(FakeKraken.start(), FakeCoinbase.start(), FakeBitfinex.start(), FakeBinance.start()));
        relays.add(FakeRelay.start(FakeRelay.Mode.OPEN));
        relays.add(FakeRelay.start(FakeRelay.Mode.RESTRICTED));
        Map<String, String> env = new HashMap<>();
        env.put("LISTEN_ADDR", "127.0.0.1:0");
        env.put("METRICS_ADDR", "127.0.0.1:0");
        env.put("MEMPOOL_INSTANCE", mempool.baseUrl());
        env.put("BROKER", "valkey");
        env.put("BROKER_URL", redis.url());
        env.put("BROKER_PREFIX", "dm-" + UUID.randomUUID().toString().substring(0, 8) + ":");
        env.put("PRICE_SOURCE", "exchanges");
        env.put("KRAKEN_URL", exchanges.get(0).url());
        env.put("COINBASE_URL", exchanges.get(1).url());
        env.put("BITFINEX_URL", exchanges.get(2).url());
        env.put("BINANCE_URL", exchanges.get(3).url());
        env.put("PUBLISH_TO_NOSTR", "true");
        env.put("NOSTR_PRIV", NostrPublishingIT.KEY);
        env.put("NOSTR_RELAYS", relays.get(0).url() + "," + relays.get(1).url());
        env.put("INBOUND_BUDGET_BYTES", "65536");
        env.put("HTTP_HEADER_TIMEOUT_SECONDS", "300");
        server = ServerProcess.launch(env);
        int port = server.awaitPort();
        int metricsPort = server.awaitMetricsPort();

        // Devices of both protocols, and the counters that have a sample only once something happened.
        WsTestClient v1 = WsTestClient.connect(port, "/ws");
        connections.add(v1);
        WsTestClient v2 = WsTestClient.connect(port, "/api/v2/ws");
        connections.add(v2);
        v2.next(); // welcome
        refuseAMalformedRequest(port);
        breakTheWebSocketProtocol(port);
        exceedTheInboundBudget(port);

        Await.until("every metric the dashboard and the alerting rules query, in the server's /metrics",
                Duration.ofSeconds(30), () -> missing(queried.keySet(), metricsPort).isEmpty(),
                () -> "\nmissing: " + hints(missing(queried.keySet(), scraped), scraped)
                        + "\nqueried by: " + queried + "\nscraped:\n" + scraped + "\nserver output:\n" + server.output());
    }

    /** An unparsable chunked body: 400 and {@code btclock_requests_refused_total{reason="malformed-request"}}. */
    private void refuseAMalformedRequest(int port) throws IOException {
        try (Socket s = socket(port)) {
            s.getOutputStream().write("POST /api/lastblock HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            assertEquals("HTTP/1.1 400", new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII));
        }
    }

    /** A 200-byte ping (control frames carry at most 125): closed with 1002 and counted by code. */
    private void breakTheWebSocketProtocol(int port) throws IOException {
        RawWebSocket ws = RawWebSocket.open(port, "/api/v2/ws");
        connections.add(ws);
        ws.send(RawWebSocket.frame(0x89, new byte[200]));
    }

    /** Ten unfinished 10 KB request heads against a 64 KB budget: the largest are evicted (kind http). */
    private void exceedTheInboundBudget(int port) throws IOException {
        for (int i = 0; i < 10; i++) {
            Socket s = socket(port);
            connections.add(s);
            s.getOutputStream().write(("GET /api/lastblock HTTP/1.1\r\nHost: x\r\nX-Pad: " + "p".repeat(10_000))
                    .getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static Socket socket(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    /** The names in {@code names} without a sample in a fresh scrape (at most one scrape every 250 ms). */
    private Set<String> missing(Set<String> names, int metricsPort) {
        long now = System.nanoTime();
        if (now - nextScrapeNanos >= 0) {
            nextScrapeNanos = now + Duration.ofMillis(250).toNanos();
            try {
                scraped = TestServer.get(metricsPort, "/metrics").body();
            } catch (IOException e) {
                scraped = "(scrape failed: " + e + ")";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        return missing(names, scraped);
    }

    /** The names in {@code names} without a sample in {@code exposition} (a sample's name is what PromQL selects). */
    static Set<String> missing(Set<String> names, String exposition) {
        Set<String> samples = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                samples.add(line.split("[{ ]", 2)[0]);
            }
        }
        Set<String> missing = new TreeSet<>(names);
        missing.removeAll(samples);
        return missing;
    }

    /** Each missing name with what the exposition has under a related name (a family's suffixed samples). */
    private static List<String> hints(Set<String> missing, String exposition) {
        Map<String, String> types = new HashMap<>();
        Matcher m = Pattern.compile("(?m)^# TYPE (\\S+) (\\S+)$").matcher(exposition);
        while (m.find()) {
            types.put(m.group(1), m.group(2));
        }
        List<String> out = new ArrayList<>();
        for (String name : missing) {
            String type = types.get(name);
            if ("summary".equals(type)) {
                out.add(name + " (a summary: query " + name + "_count or " + name + "_sum)");
            } else if ("histogram".equals(type)) {
                out.add(name + " (a histogram: query " + name + "_bucket, _count or _sum)");
            } else if (exposition.contains("\n" + name + "_total")) {
                out.add(name + " (a counter: query " + name + "_total)");
            } else if (type != null) {
                out.add(name + " (a " + type + " with no sample yet)");
            } else {
                out.add(name);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ reading the files

    /** Every panel, rows and the panels of collapsed rows included. */
    private static List<JsonObject> panels(JsonObject dashboard) {
        List<JsonObject> out = new ArrayList<>();
        addPanels(dashboard.getAsJsonArray("panels"), out);
        return out;
    }

    private static void addPanels(JsonArray panels, List<JsonObject> out) {
        if (panels == null) {
            return;
        }
        for (JsonElement e : panels) {
            JsonObject p = e.getAsJsonObject();
            out.add(p);
            addPanels(p.getAsJsonArray("panels"), out);
        }
    }

    private static boolean promDataSource(JsonElement ds) {
        if (ds == null || !ds.isJsonObject()) {
            return false;
        }
        String uid = ds.getAsJsonObject().has("uid") ? ds.getAsJsonObject().get("uid").getAsString() : "";
        return uid.equals("${DS_PROMETHEUS}") || uid.equals("prometheus");
    }

    /** The PromQL of every panel query and query variable of the dashboard. */
    private static List<String> dashboardExpressions() throws IOException {
        JsonObject dashboard = JsonParser.parseString(Files.readString(DASHBOARD)).getAsJsonObject();
        List<String> out = new ArrayList<>();
        for (JsonObject p : panels(dashboard)) {
            if (p.has("targets")) {
                for (JsonElement t : p.getAsJsonArray("targets")) {
                    JsonObject target = t.getAsJsonObject();
                    if (target.has("expr")) {
                        out.add(target.get("expr").getAsString());
                    }
                }
            }
        }
        for (JsonElement v : dashboard.getAsJsonObject("templating").getAsJsonArray("list")) {
            JsonObject variable = v.getAsJsonObject();
            if (variable.get("type").getAsString().equals("query")) {
                JsonElement q = variable.get("query");
                String query = q.isJsonObject() ? q.getAsJsonObject().get("query").getAsString() : q.getAsString();
                out.add(PromQl.variableQuery(query));
            }
        }
        return out;
    }

    /** The {@code expr} of every rule in alerts.yml: plain one-line scalars and | or > blocks. */
    static List<String> alertExpressions() throws IOException {
        List<String> lines = Files.readAllLines(ALERTS);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = EXPR.matcher(lines.get(i));
            if (!m.matches()) {
                continue;
            }
            int indent = m.group(1).length();
            String value = m.group(2).strip();
            if (value.startsWith("|") || value.startsWith(">")) {
                StringBuilder block = new StringBuilder();
                while (i + 1 < lines.size() && (lines.get(i + 1).isBlank()
                        || lines.get(i + 1).length() - lines.get(i + 1).stripLeading().length() > indent)) {
                    block.append(lines.get(++i).strip()).append('\n');
                }
                out.add(block.toString());
            } else if (value.startsWith("'") && value.endsWith("'") && value.length() > 1) {
                out.add(value.substring(1, value.length() - 1).replace("''", "'"));
            } else if (value.startsWith("\"") && value.endsWith("\"") && value.length() > 1) {
                out.add(JsonParser.parseString(value).getAsString());
            } else {
                int comment = value.indexOf(" #");
                out.add(comment < 0 ? value : value.substring(0, comment));
            }
        }
        return out;
    }

    private static Optional<String> onPath(String name) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) {
                return Optional.of(p.toString());
            }
        }
        return Optional.empty();
    }
}
