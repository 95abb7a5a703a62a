package dev.btclock.server.log;

import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.spi.MDCAdapter;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.Map;

/**
 * Writes each event as one JSON line (see {@link JsonLogProvider}). Every string is escaped, control
 * characters included, so a message carrying text from the network can never break the line or
 * forge another one.
 */
final class JsonLogger extends LegacyAbstractLogger {

    private static final long serialVersionUID = 1L;

    private final transient int threshold;
    private final transient MDCAdapter mdc;
    private final transient PrintStream out;

    JsonLogger(String name, Level threshold, MDCAdapter mdc, PrintStream out) {
        this.name = name;
        this.threshold = threshold.toInt();
        this.mdc = mdc;
        this.out = out;
    }

    private boolean enabled(Level level) {
        return level.toInt() >= threshold;
    }

    @Override
    public boolean isTraceEnabled() {
        return enabled(Level.TRACE);
    }

    @Override
    public boolean isDebugEnabled() {
        return enabled(Level.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
        return enabled(Level.INFO);
    }

    @Override
    public boolean isWarnEnabled() {
        return enabled(Level.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
        return enabled(Level.ERROR);
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args, Throwable t) {
        StringBuilder j = new StringBuilder(256).append('{');
        field(j, "time", Instant.now().toString());
        field(j.append(','), "level", level.name());
        field(j.append(','), "logger", name);
        field(j.append(','), "thread", Thread.currentThread().getName());
        field(j.append(','), "message", MessageFormatter.basicArrayFormat(pattern, args));
        Map<String, String> context = mdc.getCopyOfContextMap();
        if (context != null) {
            for (Map.Entry<String, String> e : context.entrySet()) {
                if (!isReserved(e.getKey())) {
                    field(j.append(','), e.getKey(), e.getValue());
                }
            }
        }
        if (t != null) {
            field(j.append(','), "error", t.toString());
            StringWriter stack = new StringWriter();
            t.printStackTrace(new PrintWriter(stack));
            field(j.append(','), "stack", stack.toString());
        }
        String line = j.append('}').toString();
        synchronized (out) {
            out.println(line);
        }
    }

    private static boolean isReserved(String key) {
        return switch (key) {
            case "time", "level", "logger", "thread", "message", "error", "stack" -> true;
            default -> false;
        };
    }

    private static void field(StringBuilder j, String name, String value) {
        escape(j.append('"'), name).append("\":");
        if (value == null) {
            j.append("null");
        } else {
            escape(j.append('"'), value).append('"');
        }
    }

    /** JSON string escaping (RFC 8259), with every control, line-separator and bidi character as {@code \\uXXXX}. */
    static StringBuilder escape(StringBuilder j, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> j.append("\\\"");
                case '\\' -> j.append("\\\\");
                case '\n' -> j.append("\\n");
                case '\r' -> j.append("\\r");
                case '\t' -> j.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029 || (c >= 0x202a && c <= 0x202e)
                            || (c >= 0x2066 && c <= 0x2069) || Character.isSurrogate(c) && !validSurrogate(s, i)) {
                        j.append(String.format("\\u%04x", (int) c));
                    } else {
                        j.append(c);
                    }
                }
            }
        }
        return j;
    }

    private static boolean validSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
