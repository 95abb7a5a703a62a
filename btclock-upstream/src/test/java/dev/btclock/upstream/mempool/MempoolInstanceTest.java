package dev.btclock.upstream.mempool;

import dev.btclock.core.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MempoolInstanceTest {

    @Test
    void bareHost_usesTls() {
        MempoolInstance m = MempoolInstance.parse("mempool.space");
        assertEquals(URI.create("https://mempool.space"), m.restBase());
        assertEquals(URI.create("wss://mempool.space/api/v1/ws"), m.webSocket());
        assertEquals(URI.create("https://mempool.space/api/v1/prices"), m.rest("/api/v1/prices"));
    }

    @Test
    void plainHttpUrl_usesPlainWebSocket() {
        MempoolInstance m = MempoolInstance.parse("http://127.0.0.1:8999/");
        assertEquals(URI.create("http://127.0.0.1:8999"), m.restBase());
        assertEquals(URI.create("ws://127.0.0.1:8999/api/v1/ws"), m.webSocket());
    }

    @Test
    void networkPrefix_isKept() {
        MempoolInstance m = MempoolInstance.parse("https://mempool.space/signet");
        assertEquals(URI.create("wss://mempool.space/signet/api/v1/ws"), m.webSocket());
        assertEquals(URI.create("https://mempool.space/signet/api/blocks/tip/height"), m.rest("/api/blocks/tip/height"));
    }

    @Test
    void otherSchemes_areRejectedNamingTheSetting() {
        ConfigException e = assertThrows(ConfigException.class, () -> MempoolInstance.parse("ftp://x"));
        assertEquals("MEMPOOL_INSTANCE must be a host name (mempool.space) or an http(s):// base URL "
                + "(http://127.0.0.1:8999), got \"ftp://x\"", e.getMessage());
    }
}
