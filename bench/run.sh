#!/usr/bin/env bash
# bench/run.sh [SERVERS] [NS] [REPS] [generator flags...]
#
# Builds the load generator, the three reference servers and the BTClock bench launcher, runs the
# generator against each server REPS times per N (waiting for an idle machine before each run), and
# prints the tables (median (min–max)) with the machine and the JVM flags used.
#   SERVERS  default "floor node go java17 java25"
#   NS       default "19000" (the file limit here is 20000 per process)
#   REPS     default 3
#   JVM_FLAGS (env) default "-Xms1g -Xmx1g -XX:+UseParallelGC" (19k clients hold ~300 MB of live heap)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
SERVERS=${1:-"floor node go java17 java25"}
NS=${2:-19000}
REPS=${3:-3}
shift $(( $# < 3 ? $# : 3 ))
export JVM_FLAGS=${JVM_FLAGS:-"-Xms1g -Xmx1g -XX:+UseParallelGC"}

missing=()
command -v go >/dev/null || missing+=(golang-go)
[ -d /usr/share/gocode/src/github.com/gorilla/websocket ] || missing+=(golang-github-gorilla-websocket-dev)
command -v cc >/dev/null || missing+=(gcc)
command -v node >/dev/null || missing+=(nodejs npm)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi

echo "== building the generator and the reference servers"
( cd "$HERE"
  GO111MODULE=off go build -o gen/fanload gen/fanload.go
  GO111MODULE=off GOPATH=/usr/share/gocode go build -o servers/go-gorilla/fanout-go servers/go-gorilla/main.go
  [ -d servers/node-ws/node_modules ] || (cd servers/node-ws && npm install --silent --no-audit --no-fund)
  cc -O2 -Wall -o servers/c-floor/floor servers/c-floor/floor.c -lpthread )

echo "== building the BTClock bench launcher"
( cd "$ROOT"
  ./mvnw -q -B -ntp install -DskipTests -DskipITs
  ./mvnw -q -B -ntp -pl btclock-tests dependency:build-classpath -Dmdep.includeScope=test \
      -Dmdep.outputFile="$HERE/classpath.txt" )
export BENCH_CP="$ROOT/btclock-tests/target/test-classes:$(cat "$HERE/classpath.txt")"

OUT="$HERE/results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
{
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr), fd limit $(ulimit -Hn)"
  echo "JVM flags: $JVM_FLAGS"
  for j in "${JAVA17_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}" "${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"; do
    echo "$("$j/bin/java" -version 2>&1 | head -2 | tr '\n' ' ')"
  done
} | tee "$OUT/machine.txt"

"$HERE/harness/run-all.sh" "$OUT" "$SERVERS" "$NS" "$REPS" "$@"
echo
cat "$OUT/machine.txt"
python3 "$HERE/harness/tables.py" "$OUT" "$(echo "$SERVERS" | tr ' ' ',')" | tee "$OUT/tables.md"
