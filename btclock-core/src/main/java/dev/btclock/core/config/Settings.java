package dev.btclock.core.config;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Reads typed settings from a {@code Map<String,String>} (environment names as keys) and collects
 * every problem instead of stopping at the first, so a user sees all bad settings at once.
 * Call {@link #check()} after reading everything.
 *
 * <p>Blank values count as unset. Not thread-safe; use one instance per configuration being built.
 */
public final class Settings {

    private final Map<String, String> values;
    private final List<String> problems = new ArrayList<>();

    /** Wraps {@code values}; the map is read, never modified. */
    public Settings(Map<String, String> values) {
        this.values = Objects.requireNonNull(values, "values");
    }

    /** The raw value, or {@code fallback} when unset or blank. */
    public String string(String name, String fallback) {
        String v = values.get(name);
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    /** An integer within {@code [min, max]}. */
    public int integer(String name, int fallback, int min, int max) {
        String v = string(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            int i = Integer.parseInt(v);
            if (i < min || i > max) {
                problem(name, "must be between " + min + " and " + max + ", got " + v);
                return fallback;
            }
            return i;
        } catch (NumberFormatException e) {
            problem(name, "must be a whole number, got \"" + v + "\"");
            return fallback;
        }
    }

    /** A duration given in whole seconds, within {@code [min, max]} seconds. */
    public Duration seconds(String name, Duration fallback, long min, long max) {
        int s = integer(name, (int) fallback.toSeconds(), (int) min, (int) max);
        return Duration.ofSeconds(s);
    }

    /** {@code true/false/1/0/yes/no/on/off}, case-insensitive. */
    public boolean bool(String name, boolean fallback) {
        String v = string(name, null);
        if (v == null) {
            return fallback;
        }
        switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes", "on":
                return true;
            case "false", "0", "no", "off":
                return false;
            default:
                problem(name, "must be true or false, got \"" + v + "\"");
                return fallback;
        }
    }

    /**
     * A listen or connect address: {@code :8080}, {@code 0.0.0.0:8080}, {@code 127.0.0.1:9090},
     * {@code [::1]:8080} or {@code host:port}. An empty host means all interfaces.
     */
    public HostPort hostPort(String name, String fallback) {
        String v = string(name, fallback);
        try {
            return HostPort.parse(v);
        } catch (IllegalArgumentException e) {
            problem(name, e.getMessage());
            return HostPort.parse(fallback);
        }
    }

    /** An absolute URI whose scheme is one of {@code schemes}. */
    public URI uri(String name, String fallback, String... schemes) {
        String v = string(name, fallback);
        try {
            URI uri = new URI(v);
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new IllegalArgumentException("not an absolute URL");
            }
            for (String s : schemes) {
                if (s.equalsIgnoreCase(uri.getScheme())) {
                    return uri;
                }
            }
            problem(name, "must use " + String.join(" or ", schemes) + ", got \"" + v + "\"");
        } catch (java.net.URISyntaxException | IllegalArgumentException e) {
            problem(name, "is not a valid URL: \"" + v + "\"");
        }
        return URI.create(fallback);
    }

    /**
     * Records a problem with {@code name}. The message should not contain secret values; the
     * password of any URL in it is masked all the same ({@link Secrets#maskUserInfo}).
     */
    public void problem(String name, String message) {
        problems.add(name + " " + Secrets.maskUserInfo(message));
    }

    /** Throws one {@link ConfigException} listing every problem recorded so far, if any. */
    public void check() {
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    /** Prints a secret for logs: {@code ***} when set, {@code (unset)} otherwise. */
    public static String mask(String secret) {
        return secret == null || secret.isEmpty() ? "(unset)" : "***";
    }
}
