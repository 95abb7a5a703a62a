package dev.btclock.tests;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link PromQl}: the metric names of the expressions the dashboard and the alerting rules use. */
class PromQlTest {

    @Test
    void aggregationsFunctionsAndLabelLists_areNotNames() {
        assertEquals(Set.of("btclock_ws_frames_sent_total"),
                PromQl.metricNames("sum by (proto, instance) (rate(btclock_ws_frames_sent_total{job=~\"$job\"}[$__rate_interval]))"));
        assertEquals(Set.of("btclock_leader"), PromQl.metricNames("sum(btclock_leader) without (instance) == 0"));
        assertEquals(Set.of("jvm_gc_collection_seconds_bucket"),
                PromQl.metricNames("histogram_quantile(0.99, sum by (le) (rate(jvm_gc_collection_seconds_bucket[5m])))"));
    }

    @Test
    void bothSidesOfABinaryOperation_withMatchingModifiers() {
        assertEquals(Set.of("btclock_price_age_seconds", "btclock_price_source_used"),
                PromQl.metricNames("(btclock_price_age_seconds > 120) and on (job) group_left () "
                        + "(count by (job) (btclock_price_source_used) > 0)"));
        assertEquals(Set.of("jvm_memory_max_bytes", "jvm_memory_used_bytes"),
                PromQl.metricNames("sum by (instance) (jvm_memory_used_bytes{area=\"heap\"})\n"
                        + "  / ignoring (area) jvm_memory_max_bytes{area=\"heap\"} > bool 0.9"));
    }

    @Test
    void stringsDurationsNumbersAndVariables_areNotNames() {
        assertEquals(Set.of("up"), PromQl.metricNames("label_replace(up, \"node\", \"$1\", \"instance\", \"(node_\\\\w+):.*\")"
                + " offset 5m > 1e3 # a comment naming no_metric"));
        assertEquals(Set.of("btclock_ws_clients"), PromQl.metricNames("topk($n, btclock_ws_clients{instance=~\"${node}\", "
                + "proto=\"v2\"}) * 0x10"));
        assertEquals(Set.of(), PromQl.metricNames("vector(1) + scalar(time())"));
    }

    @Test
    void grafanaVariableQueries_yieldTheirExpression() {
        assertEquals("btclock_leader{job=~\"$job\"}", PromQl.variableQuery("label_values(btclock_leader{job=~\"$job\"}, instance)"));
        assertEquals("", PromQl.variableQuery("label_values(job)"));
        assertEquals("max(btclock_ws_clients)", PromQl.variableQuery("query_result(max(btclock_ws_clients))"));
        assertEquals("", PromQl.variableQuery("metrics(btclock_.*)"));
    }
}
