package dev.btclock.core.config;

import java.util.List;

/**
 * One or more bad settings. The message lists every problem, one per line, each naming the
 * setting; it never contains a secret value.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    /** Creates the exception for the given problems (at least one). */
    public ConfigException(List<String> problems) {
        super(String.join("\n", problems));
        this.problems = List.copyOf(problems);
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
