package dev.btclock.core.config;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SettingsTest {

    @Test
    void everyProblemIsReportedAtOnce_namingTheSetting() {
        Settings s = new Settings(Map.of("A", "x", "B", "99", "C", "maybe", "D", "8080"));
        s.integer("A", 1, 0, 10);
        s.integer("B", 1, 0, 10);
        s.bool("C", false);
        s.hostPort("D", ":1");
        ConfigException e = assertThrows(ConfigException.class, s::check);
        assertEquals(List.of(
                "A must be a whole number, got \"x\"",
                "B must be between 0 and 10, got 99",
                "C must be true or false, got \"maybe\"",
                "D must be host:port or :port, got \"8080\""), e.problems());
    }

    @Test
    void aPasswordInAUrl_isMaskedInEveryProblem() {
        Settings s = new Settings(Map.of("BITCOIND_RPC", "http://user:SECRET@[bad", "BROKER_URL", "rediss://default:p%40ss:w0rd@x:1/0"));
        s.uri("BITCOIND_RPC", "http://127.0.0.1:8332/", "http", "https");
        s.problem("BROKER_URL", "\"" + s.string("BROKER_URL", "") + "\" is not a broker URL");
        ConfigException e = assertThrows(ConfigException.class, s::check);
        assertEquals(List.of("BITCOIND_RPC is not a valid URL: \"http://user:***@[bad\"",
                "BROKER_URL \"rediss://default:***@x:1/0\" is not a broker URL"), e.problems());
        assertEquals(false, e.getMessage().contains("SECRET") || e.getMessage().contains("w0rd"), e.getMessage());
    }

    @Test
    void maskUserInfo_masksPasswordsAndTokens_andLeavesTheRest() {
        assertEquals("http://user:***@host:8332/ and ws://***@relay", Secrets.maskUserInfo("http://user:pw@host:8332/ and ws://token@relay"));
        assertEquals("no url, a@b.c, user@host", Secrets.maskUserInfo("no url, a@b.c, user@host"));
        assertEquals("http://host/path@x", Secrets.maskUserInfo("http://host/path@x"));
        assertEquals("redis://[user:password@]host:port", Secrets.maskUserInfo("redis://[user:password@]host:port"), "a placeholder");
        assertEquals(null, Secrets.maskUserInfo(null));
    }

    @Test
    void hostPort_acceptsTheGoForms() {
        assertEquals(new HostPort("", 8080), HostPort.parse(":8080"));
        assertEquals(new HostPort("127.0.0.1", 9090), HostPort.parse("127.0.0.1:9090"));
        assertEquals(new HostPort("::1", 8080), HostPort.parse("[::1]:8080"));
        assertEquals("0.0.0.0", HostPort.parse(":8080").bindHost());
    }

    @Test
    void blankValues_countAsUnset() {
        Settings s = new Settings(Map.of("A", "  "));
        assertEquals(7, s.integer("A", 7, 0, 10));
        s.check();
    }

    @Test
    void secretsAreMasked() {
        assertEquals("***", Settings.mask("hunter2"));
        assertEquals("(unset)", Settings.mask(null));
    }
}
