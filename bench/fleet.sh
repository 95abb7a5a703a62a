#!/usr/bin/env bash
# bench/fleet.sh [NODES] [N] [CHANGES]
#
# A fleet on one machine: a redis-server as the Valkey bus, NODES BTClock bench servers sharing it
# (BROKER=valkey), and one generator per node with N v1 clients each. The lead generator, attached
# to the node that runs the upstream, pushes CHANGES USD prices (after 3 warm-up ones) through that
# node's fake mempool instance, one at a time; every client of every node must receive each one.
# Prints the time until the last client of the fleet had each price (median, min, max).
#   NODES    default 3
#   N        default 19000 (clients per node; the file limit here is 20000 per process)
#   CHANGES  default 20
#   JVM_FLAGS (env) default "-Xms512m -Xmx512m -Xmn16m -XX:+UseParallelGC -XX:-UsePerfData -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError" (as run.sh); JAVA_HOME (env) default JDK 17
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
NODES=${1:-3}
N=${2:-19000}
CHANGES=${3:-20}
BUS_PORT=${BUS_PORT:-6391}
export JVM_FLAGS=${JVM_FLAGS:-"-Xms512m -Xmx512m -Xmn16m -XX:+UseParallelGC -XX:-UsePerfData -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError"}
JAVA=${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}/bin/java
command -v redis-server >/dev/null || { apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; }

source "$HERE/harness/build.sh"
bench_packages
echo "== building the generator and the BTClock bench launcher"
build_generator
build_launcher

OUT="$HERE/results/fleet-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT/sync"
machine_info "$OUT"
ulimit -n "$(ulimit -Hn)"
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT

redis-server --bind 127.0.0.1 --port "$BUS_PORT" --save '' --appendonly no >"$OUT/redis.log" 2>&1 &
pids+=($!)
for i in $(seq 1 50); do redis-cli -p "$BUS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

ports=()
for i in $(seq 0 $((NODES - 1))); do
  port=$((8090 + i))
  ports+=("$port")
  BROKER=valkey BROKER_URL=127.0.0.1:$BUS_PORT LISTEN_ADDR=127.0.0.1:$port \
    "$JAVA" $JVM_FLAGS -cp "$BENCH_CP" dev.btclock.tests.bench.BenchServer >"$OUT/node-$port.log" 2>&1 &
  pids+=($!)
done
leader=""
for i in $(seq 1 600); do
  for port in "${ports[@]}"; do
    if curl -sf "http://127.0.0.1:$port/stats" | grep -q '"leader":true'; then leader=$port; fi
  done
  [ -n "$leader" ] && break
  sleep 0.1
done
[ -n "$leader" ] || { echo "no node became the leader; see $OUT/node-*.log"; exit 1; }
for port in "${ports[@]}"; do
  until curl -sf "http://127.0.0.1:$port/stats" >/dev/null; do sleep 0.1; done
done
echo "== $NODES nodes on ports ${ports[*]}, leader $leader; $N clients each"

gens=()
for port in "${ports[@]}"; do
  [ "$port" = "$leader" ] && continue
  "$HERE/gen/fanload" -port "$port" -n "$N" -quiet 0 -fleet-role follow -fleet-dir "$OUT/sync" \
    -json "$OUT/follow-$port.json" >"$OUT/follow-$port.log" 2>&1 &
  gens+=($!)
done
"$HERE/gen/fanload" -port "$leader" -n "$N" -quiet 0 -fleet-role lead -fleet-dir "$OUT/sync" \
  -fleet-followers $((NODES - 1)) -warmup 3 -lat "$CHANGES" -lat-gap 1s -json "$OUT/fleet.json" \
  2>&1 | grep -v '^connecting' | tee "$OUT/lead.log"
rc=${PIPESTATUS[0]}
for g in "${gens[@]}"; do wait "$g" || rc=1; done
tail -n 2 "$OUT"/follow-*.log
echo "results in $OUT"
exit "$rc"
