package dev.btclock.core.config;

import java.util.List;

/**
 * One or more bad settings. The message lists every problem, one per line, each naming the
 * setting; it never contains a secret value.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    /** Creates the exception for the given problems (at least one); URL passwords in them are masked. */
    public ConfigException(List<String> problems) {
        this(problems.stream().map(Secrets::maskUserInfo).toList(), true);
    }

    private ConfigException(List<String> masked, boolean unused) {
        super(String.join("\n", masked));
        this.problems = List.copyOf(masked);
    }

    /** Creates the exception for a single problem. */
    public ConfigException(String problem) {
        this(List.of(problem));
    }

    /** Every problem, in the order found. */
    public List<String> problems() {
        return problems;
    }
}
