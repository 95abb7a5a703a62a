package dev.btclock.bus.valkey;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Where the broker is: {@code host:port}, or {@code redis://[user:password@]host[:port][/db]},
 * or {@code rediss://...} for TLS. The password never appears in {@link #toString()}.
 *
 * @param host     host name or address
 * @param port     port (default 6379)
 * @param user     ACL user, or null
 * @param password password, or null
 * @param database database number (default 0)
 * @param tls      whether to use TLS ({@code rediss://})
 */
record BrokerUrl(String host, int port, String user, String password, int database, boolean tls) {

    /**
     * Parses {@code value}.
     *
     * @throws IllegalArgumentException with a message fit for {@code BROKER_URL ...}
     */
    static BrokerUrl parse(String value) {
        String v = value.trim();
        if (!v.contains("://")) {
            v = "redis://" + v;
        }
        URI u;
        try {
            u = URI.create(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("is not host:port or redis://[user:password@]host:port[/db], got \"" + value + "\"");
        }
        boolean tls = "rediss".equals(u.getScheme());
        if (!tls && !"redis".equals(u.getScheme()) || u.getHost() == null) {
            throw new IllegalArgumentException("is not host:port or redis://[user:password@]host:port[/db], got \"" + value + "\"");
        }
        String user = null;
        String password = null;
        if (u.getRawUserInfo() != null) {
            String info = u.getRawUserInfo();
            int colon = info.indexOf(':');
            if (colon < 0) {
                password = decode(info);
            } else {
                user = colon == 0 ? null : decode(info.substring(0, colon));
                password = decode(info.substring(colon + 1));
            }
        }
        int db = 0;
        String path = u.getPath();
        if (path != null && path.length() > 1) {
            try {
                db = Integer.parseInt(path.substring(1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("has a database \"" + path.substring(1) + "\" that is not a number");
            }
        }
        return new BrokerUrl(u.getHost(), u.getPort() > 0 ? u.getPort() : 6379, user, password, db, tls);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return (tls ? "rediss://" : "redis://") + (user != null ? user + "@" : password != null ? "***@" : "") + host + ":" + port
                + (database != 0 ? "/" + database : "");
    }
}
