package dev.btclock.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DotEnvTest {

    @Test
    void dotEnvIsReadFirst_andTheEnvironmentWins(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(".env"), """
                # comment
                export LISTEN_ADDR=:8081
                MEMPOOL_INSTANCE="http://127.0.0.1:8999"
                LOGLEVEL='debug'
                UPSTREAM=mempool-ws
                """);
        Map<String, String> merged = DotEnv.merged(dir, Map.of("UPSTREAM", "bitcoind-rpc"));
        assertEquals(":8081", merged.get("LISTEN_ADDR"));
        assertEquals("http://127.0.0.1:8999", merged.get("MEMPOOL_INSTANCE"));
        assertEquals("debug", merged.get("LOGLEVEL"));
        assertEquals("bitcoind-rpc", merged.get("UPSTREAM"), "the environment wins");
    }

    @Test
    void noDotEnv_isJustTheEnvironment(@TempDir Path dir) throws Exception {
        assertEquals(Map.of("A", "1"), DotEnv.merged(dir, Map.of("A", "1")));
    }
}
