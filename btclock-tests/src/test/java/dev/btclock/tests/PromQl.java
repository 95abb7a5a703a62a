package dev.btclock.tests;

import java.util.Set;
import java.util.TreeSet;

/**
 * The metric names a PromQL expression selects, read without a full parser: label matchers,
 * ranges, strings, comments, numbers and durations are skipped; an identifier followed by
 * {@code (} is a function or aggregation; the label lists of {@code by}, {@code without},
 * {@code on}, {@code ignoring} and {@code group_left/right} are skipped; Grafana variables
 * ({@code $job}, {@code ${DS}}, {@code $__rate_interval}) are not names. A name given only as
 * {@code {__name__="..."}} is not found.
 */
final class PromQl {

    /** Keywords and aggregation operators that may stand before something other than {@code (}. */
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "inf", "nan",
            "atan2", "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk",
            "topk", "quantile", "limitk", "limit_ratio");

    /** Keywords followed by a list of label names in parentheses. */
    private static final Set<String> LABEL_LISTS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");

    private PromQl() {
    }

    /** The metric names {@code expr} selects, sorted. */
    static Set<String> metricNames(String expr) {
        Set<String> names = new TreeSet<>();
        int i = 0;
        int n = expr.length();
        while (i < n) {
            char c = expr.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = skipString(expr, i);
            } else if (c == '{') {
                i = skipPast(expr, i, '{', '}');
            } else if (c == '[') {
                i = skipPast(expr, i, '[', ']');
            } else if (c == '#') {
                int eol = expr.indexOf('\n', i);
                i = eol < 0 ? n : eol + 1;
            } else if (c == '$') {
                i = skipVariable(expr, i);
            } else if (Character.isDigit(c) || (c == '.' && i + 1 < n && Character.isDigit(expr.charAt(i + 1)))) {
                i++;
                while (i < n && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '.' || expr.charAt(i) == '_')) {
                    i++;
                }
            } else if (Character.isLetter(c) || c == '_' || c == ':') {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '_' || expr.charAt(i) == ':')) {
                    i++;
                }
                String word = expr.substring(start, i);
                int next = skipSpace(expr, i);
                boolean call = next < n && expr.charAt(next) == '(';
                if (LABEL_LISTS.contains(word.toLowerCase(java.util.Locale.ROOT))) {
                    if (call) {
                        i = skipPast(expr, next, '(', ')');
                    }
                } else if (!call && !KEYWORDS.contains(word.toLowerCase(java.util.Locale.ROOT))) {
                    names.add(word);
                }
            } else {
                i++;
            }
        }
        return names;
    }

    /**
     * The PromQL inside a Grafana variable query: {@code expr} of {@code label_values(expr, label)}
     * and of {@code query_result(expr)}; nothing for {@code label_values(label)},
     * {@code label_names()} and {@code metrics(regex)}; else {@code query} itself.
     */
    static String variableQuery(String query) {
        String q = query.strip();
        for (String function : new String[] {"label_values", "query_result"}) {
            if (q.startsWith(function + "(") && q.endsWith(")")) {
                String inner = q.substring(function.length() + 1, q.length() - 1);
                if (function.equals("query_result")) {
                    return inner;
                }
                int comma = lastTopLevelComma(inner);
                return comma < 0 ? "" : inner.substring(0, comma);
            }
        }
        if (q.startsWith("label_names(") || q.startsWith("metrics(")) {
            return "";
        }
        return q;
    }

    /** The index of the last {@code ,} outside brackets and quotes, or -1. */
    private static int lastTopLevelComma(String s) {
        int depth = 0;
        int last = -1;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = skipString(s, i) - 1;
            } else if (c == '(' || c == '{' || c == '[') {
                depth++;
            } else if (c == ')' || c == '}' || c == ']') {
                depth--;
            } else if (c == ',' && depth == 0) {
                last = i;
            }
        }
        return last;
    }

    private static int skipString(String s, int i) {
        char quote = s.charAt(i);
        i++;
        while (i < s.length() && s.charAt(i) != quote) {
            i += s.charAt(i) == '\\' && quote != '`' ? 2 : 1;
        }
        return i + 1;
    }

    /** The position after the {@code close} matching the {@code open} at {@code i}, skipping strings. */
    private static int skipPast(String s, int i, char open, char close) {
        int depth = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = skipString(s, i);
                continue;
            }
            if (c == open) {
                depth++;
            } else if (c == close && --depth == 0) {
                return i + 1;
            }
            i++;
        }
        return i;
    }

    private static int skipVariable(String s, int i) {
        if (i + 1 < s.length() && s.charAt(i + 1) == '{') {
            int end = s.indexOf('}', i);
            return end < 0 ? s.length() : end + 1;
        }
        i++;
        while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
            i++;
        }
        return i;
    }

    private static int skipSpace(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }
}
