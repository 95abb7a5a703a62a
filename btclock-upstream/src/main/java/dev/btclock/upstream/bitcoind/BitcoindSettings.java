package dev.btclock.upstream.bitcoind;

import dev.btclock.core.config.ConfigException;
import dev.btclock.core.config.Settings;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The settings both bitcoind drivers share, validated together so one start lists every problem.
 *
 * @param rpc          {@code BITCOIND_RPC}: {@code host:port} or {@code http://host:port/} (default {@code 127.0.0.1:8332})
 * @param credentials  {@code BITCOIND_USER}/{@code BITCOIND_PASS}, or the {@code BITCOIND_COOKIE} file read at each call
 * @param poll         {@code BITCOIND_POLL_SECONDS}: RPC polling cadence (default 2 s; for the ZMQ driver the safety poll, default 5 s)
 * @param feeInterval  {@code BITCOIND_FEE_SECONDS}: fee recomputed at most this often (default 2 s)
 * @param timeout      {@code BITCOIND_TIMEOUT_SECONDS}: read timeout of one call (default 30 s; {@code getrawmempool} is large)
 * @param zmq          {@code BITCOIND_ZMQ}: comma-separated ZMQ endpoints (default {@code tcp://127.0.0.1:28332})
 */
record BitcoindSettings(URI rpc, Supplier<String> credentials, Duration poll, Duration feeInterval, Duration timeout,
                        List<String> zmq) {

    static BitcoindSettings from(Settings s, Duration defaultPoll) {
        URI rpc = rpcUri(s);
        String cookie = s.string("BITCOIND_COOKIE", "");
        String[] inUrl = userInfo(s.string("BITCOIND_RPC", ""));
        // User and password may come in the URL (http://user:password@host:8332/) when not set apart.
        String user = s.string("BITCOIND_USER", cookie.isBlank() && inUrl != null ? inUrl[0] : "");
        String pass = s.string("BITCOIND_PASS", cookie.isBlank() && inUrl != null ? inUrl[1] : "");
        Supplier<String> credentials = () -> user + ":" + pass;
        if (!cookie.isBlank()) {
            if (!user.isBlank()) {
                s.problem("BITCOIND_COOKIE", "set either BITCOIND_COOKIE or BITCOIND_USER/BITCOIND_PASS, not both");
            } else if (!Files.isReadable(Path.of(cookie))) {
                s.problem("BITCOIND_COOKIE", "cannot read \"" + cookie + "\" (bitcoind writes it to its data directory as .cookie)");
            }
            credentials = () -> readCookie(Path.of(cookie));
        } else if (user.isBlank()) {
            s.problem("BITCOIND_USER", "is required for the bitcoind drivers (or BITCOIND_COOKIE=/path/to/.cookie)");
        }
        Duration poll = s.seconds("BITCOIND_POLL_SECONDS", defaultPoll, 1, 3600);
        Duration fee = s.seconds("BITCOIND_FEE_SECONDS", Duration.ofSeconds(2), 1, 3600);
        Duration timeout = s.seconds("BITCOIND_TIMEOUT_SECONDS", Duration.ofSeconds(30), 1, 600);
        List<String> zmq = new ArrayList<>();
        for (String e : s.string("BITCOIND_ZMQ", "tcp://127.0.0.1:28332").split(",")) {
            String endpoint = e.trim();
            if (!endpoint.matches("(tcp|ipc)://\\S+")) {
                s.problem("BITCOIND_ZMQ", "\"" + endpoint + "\" is not a ZMQ endpoint such as tcp://127.0.0.1:28332");
            } else {
                zmq.add(endpoint);
            }
        }
        return new BitcoindSettings(rpc, credentials, poll, fee, timeout, List.copyOf(zmq));
    }

    private static URI rpcUri(Settings s) {
        String value = s.string("BITCOIND_RPC", "127.0.0.1:8332").trim();
        String url = value.contains("://") ? value : "http://" + value;
        try {
            URI u = URI.create(url);
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
                throw new IllegalArgumentException("scheme");
            }
            int port = u.getPort() > 0 ? u.getPort() : 8332;
            String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
            return new URI(u.getScheme(), null, u.getHost(), port, path, null, null);
        } catch (IllegalArgumentException | java.net.URISyntaxException e) {
            s.problem("BITCOIND_RPC", "\"" + value + "\" is not host:port or http://host:port/");
            return URI.create("http://127.0.0.1:8332/");
        }
    }

    /** The decoded user and password of a URL's user information, or null when it has none or is no URL. */
    private static String[] userInfo(String value) {
        if (!value.contains("://")) {
            return null;
        }
        try {
            String info = URI.create(value.trim()).getUserInfo();
            if (info == null || info.isEmpty()) {
                return null;
            }
            int colon = info.indexOf(':');
            return colon < 0 ? new String[] {info, ""} : new String[] {info.substring(0, colon), info.substring(colon + 1)};
        } catch (IllegalArgumentException e) {
            return null; // reported by rpcUri
        }
    }

    private static String readCookie(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read BITCOIND_COOKIE " + file, e);
        }
    }

    /** Validates {@code s} in full (throws {@link ConfigException} listing every problem). */
    static BitcoindSettings validated(Settings s, Duration defaultPoll) {
        BitcoindSettings b = from(s, defaultPoll);
        s.check();
        return b;
    }
}
