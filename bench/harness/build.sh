# Sourced by run.sh and fleet.sh (HERE = bench/, ROOT = the project): installs what the benchmark
# needs from Debian and npm, builds the generator, the reference servers and the BTClock bench
# launcher, and exports BENCH_CP (the launcher's class path).

bench_packages() {
  local missing=()
  command -v go >/dev/null || missing+=(golang-go)
  [ -d /usr/share/gocode/src/github.com/gorilla/websocket ] || missing+=(golang-github-gorilla-websocket-dev)
  command -v cc >/dev/null || missing+=(gcc)
  command -v node >/dev/null || missing+=(nodejs npm)
  command -v curl >/dev/null || missing+=(curl)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}"
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

build_generator() {
  ( cd "$HERE" && GO111MODULE=off go build -o gen/fanload gen/fanload.go gen/v2.go gen/fleet.go )
}

build_hostile() {
  ( cd "$HERE" && GO111MODULE=off go build -o gen/hostile gen/hostile.go )
}

build_reference_servers() {
  ( cd "$HERE"
    GO111MODULE=off GOPATH=/usr/share/gocode go build -o servers/go-gorilla/fanout-go servers/go-gorilla/main.go
    [ -d servers/node-ws/node_modules ] || (cd servers/node-ws && npm install --silent --no-audit --no-fund)
    cc -O2 -Wall -o servers/c-floor/floor servers/c-floor/floor.c -lpthread )
}

build_launcher() {
  # BENCH_SKIP_BUILD=1: use what the last build left (several runs in a row, while the sources change)
  if [ -z "${BENCH_SKIP_BUILD:-}" ] || [ ! -f "$HERE/classpath.txt" ]; then
    ( cd "$ROOT"
      ./mvnw -q -B -ntp install -DskipTests -DskipITs
      ./mvnw -q -B -ntp -pl btclock-tests dependency:build-classpath -Dmdep.includeScope=test \
          -Dmdep.outputFile="$HERE/classpath.txt" )
  fi
  # The server as it ships, its runnable jar, first; then only what the launcher adds (the fakes,
  # the test jars, Tyrus). The libraries and dependencies already inside the runnable jar are left
  # out, so that each class has one source and the heap holds the jar index the server really has.
  local shipped="$ROOT/btclock-server/target/runtime-classpath.txt"
  export BENCH_CP="$ROOT/btclock-tests/target/test-classes:$ROOT/btclock-server/target/btclock-server.jar:$(
    tr ':' '\n' < "$HERE/classpath.txt" | grep -vxF -f <(tr ':' '\n' < "$shipped") \
      | grep -vE '/btclock-(core|upstream|bus|nostr|server)-[^/]*-SNAPSHOT\.jar$|/btclock-(core|upstream|bus|nostr|server)-[0-9.]+\.jar$' | paste -sd:)"
}

# build_aot_cache: for the java25-aot variant, a JDK 25 AOT cache (JEP 483/514/515: classes loaded
# and linked, method profiles) written by a training run of the launcher under load. The cache
# needs a class path of jars only, so the launcher's classes are jarred first.
build_aot_cache() {
  local java25="${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java" dir="$HERE/results/aot"
  mkdir -p "$dir"
  jar cf "$dir/bench-tests.jar" -C "$ROOT/btclock-tests/target/test-classes" .
  export BENCH_AOT_CP="$dir/bench-tests.jar:$(cat "$HERE/classpath.txt")"
  export BENCH_AOT="$dir/bench.aot"
  rm -f "$BENCH_AOT"
  echo "== training the JDK 25 AOT cache (19,000 clients, broadcasts, a reconnect storm)"
  ( ulimit -n "$(ulimit -Hn)"
    LISTEN_ADDR=127.0.0.1:8090 "$java25" $JVM_FLAGS -XX:AOTCacheOutput="$BENCH_AOT" -cp "$BENCH_AOT_CP" \
        dev.btclock.tests.bench.BenchServer >"$dir/train.server.log" 2>&1 &
    local pid=$!
    for _ in $(seq 1 300); do curl -sf http://127.0.0.1:8090/stats >/dev/null && break; sleep 0.1; done
    "$HERE/gen/fanload" -port 8090 -n 19000 -pid $pid -lat 10 -burst 20 -ladder "" -storm 512 -quiet 0 \
        >"$dir/train.gen.log" 2>&1 || echo "training load ended with $?; see $dir/train.gen.log"
    kill -TERM $pid
    wait $pid || true )   # 143: the JVM ends by the SIGTERM, after writing the cache
  [ -s "$BENCH_AOT" ] || { echo "no AOT cache written; see $dir/train.server.log"; return 1; }
}

# machine_info OUTDIR: the machine and the JVMs, into OUTDIR/machine.txt and on stdout
machine_info() {
  {
    echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr), fd limit $(ulimit -Hn)"
    echo "JVM flags: $JVM_FLAGS"
    for j in "${JAVA17_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}" "${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"; do
      echo "$("$j/bin/java" -version 2>&1 | head -2 | tr '\n' ' ')"
    done
  } | tee "$1/machine.txt"
}
