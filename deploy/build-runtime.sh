#!/usr/bin/env bash
# Builds a self-contained server image for a small machine (a Raspberry Pi, say): a Java runtime
# made by jlink with only the JDK modules the server uses, the runnable jar, and a launcher.
#
#   deploy/build-runtime.sh [output-dir]      (default: btclock-server/target/btclock-runtime)
#   <output-dir>/bin/btclock-server           runs it; JAVA_OPTS replaces the default JVM options
#
# The image is built for the machine and JDK that run this script (jlink copies that JDK's native
# code): build it on the target's architecture, or in the Dockerfile's build stage. The server's own
# jars stay a class-path application: jlink can only link named modules, and several dependencies
# (Jedis, the Prometheus client, commons-pool2, org.json) are automatic modules.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/btclock-server/target/btclock-runtime}"
jar="$root/btclock-server/target/btclock-server.jar"
if [ -z "${JAVA_HOME:-}" ]; then
  JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"
fi
[ -x "$JAVA_HOME/bin/jlink" ] || { echo "no jlink in JAVA_HOME=$JAVA_HOME (a JDK is needed, not a JRE)" >&2; exit 1; }
if [ ! -f "$jar" ]; then
  (cd "$root" && ./mvnw -q -B -ntp -DskipTests package)
fi

# What the server's classes use (jdeps), plus jdk.crypto.ec: TLS to wss:// upstreams and relays
# negotiates elliptic-curve keys, which jdeps cannot see (the JDK loads that provider by name); and
# jdk.management: the heap histogram of DIAGNOSTICS=true, reached by name through JMX.
modules="$("$JAVA_HOME/bin/jdeps" --multi-release 17 --ignore-missing-deps --print-module-deps "$jar"),jdk.crypto.ec,jdk.management"
feature="$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
compress="--compress=2"
if [ "${feature%%.*}" -ge 21 ]; then
  compress="--compress=zip-6"
fi

rm -rf "$out"
"$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
  "$compress" --generate-cds-archive --output "$out"
# The class-data archive for heaps over 32 GB (no compressed oops) is never used by this server.
rm -f "$out"/lib/server/classes_nocoops.jsa
mkdir -p "$out/app"
cp "$jar" "$out/app/btclock-server.jar"
cp "$root/LICENSE" "$out/app/LICENSE"
cat > "$out/bin/btclock-server" <<'LAUNCHER'
#!/bin/sh
# The BTClock data server on this image's own Java runtime. Configuration is by environment (and a
# .env file in the working directory); plugins go in ./plugins or $PLUGIN_DIR. JAVA_OPTS, when set,
# replaces the default JVM options below.
dir="$(cd "$(dirname "$0")/.." && pwd)"
: "${JAVA_OPTS:=-Xmx512m -Xmn16m -XX:+UseParallelGC -XX:-UsePerfData -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError}"
# shellcheck disable=SC2086 # JAVA_OPTS is a list of options
exec "$dir/bin/java" $JAVA_OPTS -jar "$dir/app/btclock-server.jar" "$@"
LAUNCHER
chmod +x "$out/bin/btclock-server"
echo "runtime image: $out ($(du -sh "$out" | cut -f1)); modules: $modules"
