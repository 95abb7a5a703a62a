package dev.btclock.core.config;

/**
 * A host and a TCP port. An empty host means "every interface" when listening.
 *
 * @param host host name or IP literal (without brackets), or {@code ""}
 * @param port 0–65535 (0 = pick a free port)
 */
public record HostPort(String host, int port) {

    /**
     * Parses {@code :8080}, {@code host:8080}, {@code 1.2.3.4:8080} or {@code [::1]:8080}.
     *
     * @throws IllegalArgumentException with a message saying what form is expected
     */
    public static HostPort parse(String text) {
        String s = text == null ? "" : text.trim();
        int colon = s.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("must be host:port or :port, got \"" + s + "\"");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("must put an IPv6 address in brackets, e.g. [::1]:8080, got \"" + s + "\"");
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("must end with a port number, got \"" + s + "\"");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be between 0 and 65535, got \"" + s + "\"");
        }
        return new HostPort(host, port);
    }

    /** The host to bind: {@code 0.0.0.0} for all interfaces when the host is empty. */
    public String bindHost() {
        return host.isEmpty() ? "0.0.0.0" : host;
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
