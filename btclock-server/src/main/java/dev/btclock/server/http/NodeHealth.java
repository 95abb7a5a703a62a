package dev.btclock.server.http;

import dev.btclock.bus.spi.BusStatus;
import dev.btclock.bus.spi.EventBus;
import dev.btclock.core.codec.JsNumbers;
import dev.btclock.core.config.Secrets;
import dev.btclock.core.state.Snapshot;
import dev.btclock.server.publish.ChangePublisher;
import dev.btclock.server.ws.ClientKind;
import dev.btclock.upstream.failover.UpstreamSupervisor;
import dev.btclock.upstream.price.PriceMedian;
import dev.btclock.upstream.spi.DataKind;
import dev.btclock.upstream.spi.DriverHealth;
import dev.btclock.upstream.spi.UpstreamDriver;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Whether this node can serve devices, and why not or how well: what a load balancer checks
 * ({@code /healthz}) and what an operator reads ({@code /healthz/detail}).
 *
 * <p>A node that has values serves its devices, even when its upstream or the fleet's broker is
 * away: no other node of the fleet has fresher data then, and taking it out of the load balancer
 * would only disconnect its devices (v3.3 firmware reboots after 20 failed connects). So
 * {@code /healthz} is 200 {@code ok}, or 200 {@code degraded: <causes>} naming each cause (the
 * failing upstream driver and its reason, the broker and for how long); it is 503 only before the
 * node has any values ({@code no data yet}, with the causes) and while it shuts down.
 *
 * <p>Nothing secret is shown: driver details have the passwords of URLs masked, and no setting is
 * printed. Thread-safe; never blocks.
 */
public final class NodeHealth implements HealthCheck {

    private final EventBus bus;
    private final Supplier<UpstreamSupervisor> upstream;
    private final Supplier<Snapshot> state;
    private final BooleanSupplier closed;
    private final IntSupplier v1Clients;
    private final IntSupplier v2Clients;
    private final java.util.function.ToIntFunction<ClientKind> clients;
    private final PriceAges ages;
    private final Supplier<List<ChangePublisher.Destination>> publishing;

    /**
     * @param upstream   the upstream this node runs now (null while it does not: a follower)
     * @param ages       how old this node's prices are
     * @param closed     whether the node is shutting down
     * @param clients    connected devices per kind of client, as their upgrade requests said
     * @param publishing where the publishers send to (Nostr relays), shown by the detail only
     */
    public NodeHealth(EventBus bus, Supplier<UpstreamSupervisor> upstream, Supplier<Snapshot> state, PriceAges ages,
                      BooleanSupplier closed, IntSupplier v1Clients, IntSupplier v2Clients,
                      java.util.function.ToIntFunction<ClientKind> clients, Supplier<List<ChangePublisher.Destination>> publishing) {
        this.clients = clients;
        this.bus = bus;
        this.upstream = upstream;
        this.state = state;
        this.ages = ages;
        this.closed = closed;
        this.v1Clients = v1Clients;
        this.v2Clients = v2Clients;
        this.publishing = publishing;
    }

    @Override
    public Status get() {
        if (closed.getAsBoolean()) {
            return Status.down("shutting down");
        }
        List<String> causes = causes();
        Snapshot s = state.get();
        if (s.blockHeight().isEmpty() || s.medianFee().isEmpty()) {
            return Status.down("no data yet" + (causes.isEmpty() ? "" : ": " + String.join("; ", causes)));
        }
        return causes.isEmpty() ? Status.OK : new Status(true, "degraded: " + String.join("; ", causes));
    }

    /** What keeps this node from being fully well, each naming its cause. */
    private List<String> causes() {
        List<String> causes = new ArrayList<>();
        boolean noPriceSource = false;
        if (bus.leadership().isLeader()) {
            UpstreamSupervisor up = upstream.get();
            PriceMedian median = up == null ? null : up.prices();
            if (median != null && !median.currencies().isEmpty()) {
                Instant now = Instant.now();
                List<String> unbacked = new ArrayList<>();
                for (String c : median.currencies()) {
                    if (!median.isFresh(c, now)) {
                        unbacked.add(c);
                    }
                }
                noPriceSource = unbacked.size() == median.currencies().size();
                if (noPriceSource) {
                    List<String> why = new ArrayList<>();
                    for (UpstreamDriver d : up.drivers()) {
                        if (median.sources().contains(d.name())) {
                            why.add(d.name() + ": " + Secrets.maskUserInfo(d.health().detail()));
                        }
                    }
                    causes.add("no fresh price source (" + String.join("; ", why) + ")");
                } else {
                    if (!unbacked.isEmpty()) {
                        causes.add("no fresh price source for " + String.join(", ", unbacked));
                    }
                    List<String> disputed = median.disputed();
                    if (!disputed.isEmpty()) {
                        causes.add("price sources disagree on " + String.join(", ", disputed) + " (not published until they agree)");
                    }
                    List<String> down = new ArrayList<>();
                    for (UpstreamDriver d : up.drivers()) {
                        DriverHealth h = d.health();
                        if (median.sources().contains(d.name()) && !h.connected()) {
                            down.add(d.name() + ": " + Secrets.maskUserInfo(h.detail()));
                        }
                    }
                    if (!down.isEmpty()) {
                        causes.add("price source down (" + String.join("; ", down) + ")");
                    }
                }
            }
            if (up == null) {
                causes.add("upstream not started");
            } else if (!up.health().connected()) {
                List<String> failing = new ArrayList<>();
                for (UpstreamDriver d : up.drivers()) {
                    DriverHealth h = d.health();
                    // Price-only drivers are named by the price causes above.
                    boolean blocksOrFees = d.kinds().contains(DataKind.BLOCK) || d.kinds().contains(DataKind.FEE);
                    if (!h.connected() && blocksOrFees) {
                        failing.add(d.name() + ": " + Secrets.maskUserInfo(h.detail()));
                    }
                }
                causes.add("upstream down (" + String.join("; ", failing) + ")");
            }
        }
        List<String> stale = ages.staleCurrencies();
        if (!stale.isEmpty() && !noPriceSource) {
            causes.add("stale prices (not confirmed for over " + ages.staleAfter().toSeconds() + " s): " + String.join(", ", stale));
        }
        BusStatus b = bus.status();
        if (b.role() != BusStatus.Role.SINGLE && !b.brokerReachable()) {
            causes.add("broker unreachable for " + (b.sinceBrokerContact() == null ? "?" : b.sinceBrokerContact().toSeconds()) + " s"
                    + (b.role() == BusStatus.Role.STANDALONE ? ", serving from this node's own upstream" : ""));
        }
        return causes;
    }

    /**
     * The detail as a JSON object: status, fleet role and broker, upstream drivers, data, devices and
     * the publishers' destinations ({@code publishing}: name, connected and counters of each).
     */
    @Override
    public String detail() {
        Status status = get();
        StringBuilder j = new StringBuilder(512).append('{');
        field(j, "status", !status.healthy() ? "down" : status.reason().equals("ok") ? "ok" : "degraded").append(',');
        field(j, "reason", status.reason()).append(',');
        BusStatus b = bus.status();
        j.append("\"fleet\":{");
        field(j, "role", b.role().label()).append(',');
        j.append("\"runsUpstream\":").append(bus.leadership().isLeader()).append(',');
        if (bus.nodeId() != null) {
            field(j, "node", bus.nodeId()).append(',');
        }
        j.append("\"brokerReachable\":").append(b.brokerReachable());
        if (b.sinceBrokerContact() != null) {
            j.append(",\"secondsSinceBrokerContact\":").append(seconds(b.sinceBrokerContact()));
        }
        j.append("},\"upstream\":");
        UpstreamSupervisor up = upstream.get();
        if (up == null) {
            j.append("null");
        } else {
            j.append("{\"drivers\":[");
            Instant now = Instant.now();
            List<UpstreamDriver> drivers = up.drivers();
            for (int i = 0; i < drivers.size(); i++) {
                UpstreamDriver d = drivers.get(i);
                DriverHealth h = d.health();
                j.append(i == 0 ? "{" : ",{");
                field(j, "name", d.name()).append(',');
                j.append("\"connected\":").append(h.connected()).append(',');
                field(j, "detail", Secrets.maskUserInfo(h.detail()));
                if (h.lastEvent() != null) {
                    j.append(",\"secondsSinceLastEvent\":").append(seconds(Duration.between(h.lastEvent(), now)));
                }
                j.append('}');
            }
            j.append("],\"serving\":{");
            boolean first = true;
            for (DataKind k : DataKind.values()) {
                String serving = up.serving(k);
                if (serving != null) {
                    j.append(first ? "" : ",");
                    field(j, k.label(), serving);
                    first = false;
                }
            }
            j.append('}');
            PriceMedian median = up.prices();
            if (median != null) {
                j.append(",\"priceSources\":[");
                List<PriceMedian.SourceQuote> quotes = median.quotes(now);
                for (int i = 0; i < quotes.size(); i++) {
                    PriceMedian.SourceQuote q = quotes.get(i);
                    j.append(i == 0 ? "{" : ",{");
                    field(j, "source", q.source()).append(',');
                    field(j, "currency", q.currency()).append(',');
                    j.append("\"price\":").append(JsNumbers.format(q.price()))
                            .append(",\"ageSeconds\":").append(seconds(q.age()))
                            .append(",\"used\":").append(q.used())
                            .append(",\"outliers\":").append(q.outliers()).append('}');
                }
                j.append(']');
            }
            j.append('}');
        }
        Snapshot s = state.get();
        j.append(",\"data\":{\"height\":").append(s.blockHeight().isPresent() ? Long.toString(s.height()) : "null")
                .append(",\"fee\":").append(s.medianFee().isPresent() ? JsNumbers.format(s.fee()) : "null")
                .append(",\"currencies\":[");
        boolean first = true;
        for (String c : s.prices().keySet()) {
            j.append(first ? "\"" : ",\"").append(Responses.jsonEscape(c)).append('"');
            first = false;
        }
        j.append("],\"priceAgeSeconds\":{");
        first = true;
        for (java.util.Map.Entry<String, Long> e : ages.seconds().entrySet()) {
            j.append(first ? "\"" : ",\"").append(Responses.jsonEscape(e.getKey())).append("\":").append(e.getValue());
            first = false;
        }
        j.append("},\"priceStaleAfterSeconds\":").append(ages.staleAfter().toSeconds()).append("},\"devices\":{\"v1\":").append(v1Clients.getAsInt()).append(",\"v2\":").append(v2Clients.getAsInt()).append(",\"byClient\":{");
        for (ClientKind k : ClientKind.values()) {
            j.append(k.ordinal() == 0 ? "\"" : ",\"").append(k.label()).append("\":").append(clients.applyAsInt(k));
        }
        j.append("}},\"publishing\":[");
        List<ChangePublisher.Destination> destinations = publishing.get();
        for (int i = 0; i < destinations.size(); i++) {
            ChangePublisher.Destination d = destinations.get(i);
            j.append(i == 0 ? "{" : ",{");
            field(j, "name", Secrets.maskUserInfo(d.name())).append(',');
            j.append("\"connected\":").append(d.connected())
                    .append(",\"published\":").append(d.published())
                    .append(",\"delivered\":").append(d.delivered())
                    .append(",\"failed\":").append(d.failed()).append('}');
        }
        return j.append("]}").toString();
    }

    private static StringBuilder field(StringBuilder j, String name, String value) {
        return j.append('"').append(name).append("\":\"").append(Responses.jsonEscape(value)).append('"');
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f", d.toMillis() / 1000.0);
    }
}
