package dev.btclock.tests;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The deployment files shipped in the repository, read against the server's behaviour: how it
 * reads {@code .env}, its exit codes, and the JVM flags that end it on an out-of-memory error.
 */
class DeploymentFilesTest {

    private static final Path ROOT = Path.of("..");

    /** The unit's {@code [Service]} settings; a key given twice keeps all its values. */
    private static Map<String, List<String>> service() throws IOException {
        Map<String, List<String>> settings = new TreeMap<>();
        boolean inService = false;
        for (String line : Files.readAllLines(ROOT.resolve("deploy/btclock.service"))) {
            String l = line.strip();
            if (l.startsWith("[")) {
                inService = l.equals("[Service]");
            } else if (inService && !l.isEmpty() && !l.startsWith("#")) {
                int eq = l.indexOf('=');
                settings.computeIfAbsent(l.substring(0, eq), k -> new java.util.ArrayList<>()).add(l.substring(eq + 1));
            }
        }
        return settings;
    }

    @Test
    void systemdUnit_letsTheServerReadItsEnvFileAlone() throws IOException {
        Map<String, List<String>> unit = service();
        // systemd's EnvironmentFile parser keeps an inline "# comment" in a value; the server's strips
        // it. With both reading the same .env, the environment (systemd's reading) would win.
        assertFalse(unit.containsKey("EnvironmentFile"), "the .env would be read twice, by two parsers: " + unit);
        assertEquals(List.of("/opt/btclock"), unit.get("WorkingDirectory"), "the server reads .env from its working directory");
    }

    @Test
    void systemdUnit_doesNotRestartAConfigurationError_butRestartsEverythingElse() throws IOException {
        Map<String, List<String>> unit = service();
        assertEquals(List.of("on-failure"), unit.get("Restart"));
        assertTrue(unit.getOrDefault("RestartPreventExitStatus", List.of()).stream()
                .anyMatch(v -> List.of(v.split("\\s+")).contains("2")), "exit code 2 (configuration error) loops: " + unit);
        assertTrue(unit.get("ExecStart").get(0).contains("-XX:+ExitOnOutOfMemoryError"),
                "an out-of-memory error must end the process so that systemd restarts it");
    }

    @Test
    void readmeShowsTheShippedUnit_andTheDockerImageEndsOnOutOfMemory() throws IOException {
        String unit = Files.readString(ROOT.resolve("deploy/btclock.service"));
        assertTrue(Files.readString(ROOT.resolve("README.md")).contains(unit), "README's unit differs from deploy/btclock.service");
        String docker = Files.readString(ROOT.resolve("Dockerfile"));
        String javaOpts = docker.lines().filter(l -> l.startsWith("ENV JAVA_OPTS=")).findFirst().orElse("");
        assertTrue(javaOpts.contains("-XX:+ExitOnOutOfMemoryError"), "the image's default JVM options: " + javaOpts);
    }

    @Test
    void dockerBuild_neverSeesALocalEnvFile_norBuildOutput() throws IOException {
        List<String> ignored = Files.readAllLines(ROOT.resolve(".dockerignore")).stream()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        // COPY . . in the build stage would otherwise put NOSTR_PRIV or a broker password in a layer.
        assertTrue(ignored.containsAll(List.of(".env", "*.env", "**/.env", "**/target", ".git")), ignored.toString());
    }

    @Test
    void composeMonitoring_mountsFilesThatExist_andScrapesTheNodesItDefines() throws IOException {
        String compose = Files.readString(ROOT.resolve("compose.yaml"));
        java.util.regex.Matcher mounts = java.util.regex.Pattern.compile("\\./(deploy/[^:\"\\]]+):").matcher(compose);
        int n = 0;
        while (mounts.find()) {
            assertTrue(Files.exists(ROOT.resolve(mounts.group(1))), "compose.yaml mounts a missing " + mounts.group(1));
            n++;
        }
        assertTrue(n >= 5, "haproxy.cfg, prometheus, the two provisioning folders and the dashboard: " + n);
        assertTrue(compose.contains("  prometheus:\n") && compose.contains("  grafana:\n")
                && compose.split("profiles: \\[monitoring]", -1).length == 3, "both monitoring services, under the monitoring profile");
        String prometheus = Files.readString(ROOT.resolve("deploy/prometheus/prometheus.yml"));
        for (String node : new String[] {"node1", "node2"}) {
            assertTrue(compose.contains("  " + node + ":"), node);
            assertTrue(prometheus.contains(node + ":9090"), "prometheus.yml scrapes " + node + " on the metrics port");
        }
        String provisioning = Files.readString(ROOT.resolve("deploy/grafana/provisioning/dashboards/btclock.yml"));
        assertTrue(provisioning.contains("/etc/grafana/dashboards") && compose.contains(":/etc/grafana/dashboards/btclock-dashboard.json"),
                "the dashboards provider reads the folder compose mounts the dashboard into:\n" + provisioning);
    }
}
