#!/usr/bin/env bash
# bench/hostile.sh [N] [MODE] [generator flags...]
#
# N clients (default 18,000) that each hold an unfinished fragmented WebSocket message against the
# BTClock server with the production JVM flags, while one control client must receive a broadcast
# every 500 ms. MODE: frag (one fragment just under WS_MAX_MESSAGE_BYTES, then only pongs) or
# trickle (a continuation fragment every second). A client the server closes connects again at once,
# for the whole -duration (60 s). Prints the generator's JSON: connects, closes by the server and
# their codes, the control client's delivery, the server's heap (most during the attack, live after),
# RSS and descriptors, health afterwards.
#   JVM_FLAGS (env) default: the production flags of deploy/btclock.service with a fixed 512 MB heap
#   Server settings pass through the environment, e.g. WS_MAX_MESSAGE_BYTES=65536 bench/hostile.sh
#   (the clients' fragment follows it unless -size is given).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
N=${1:-18000}
MODE=${2:-frag}
shift $(( $# < 2 ? $# : 2 ))
export JVM_FLAGS=${JVM_FLAGS:-"-Xms512m -Xmx512m -Xmn16m -XX:+UseParallelGC -XX:-UsePerfData -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError"}
SIZE=$(( ${WS_MAX_MESSAGE_BYTES:-1024} - 1 ))

source "$HERE/harness/build.sh"
bench_packages
echo "== building the hostile generator and the BTClock bench launcher"
build_hostile
build_launcher

OUT="$HERE/results/hostile-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
machine_info "$OUT"
ulimit -n "$(ulimit -Hn)"
LISTEN_ADDR=127.0.0.1:8090 "${JAVA17_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}/bin/java" $JVM_FLAGS \
    -cp "$BENCH_CP" dev.btclock.tests.bench.BenchServer >"$OUT/server.log" 2>&1 &
SPID=$!
for _ in $(seq 1 300); do curl -sf http://127.0.0.1:8090/stats >/dev/null && break; sleep 0.1; done
set +e
"$HERE/gen/hostile" -port 8090 -n "$N" -mode "$MODE" -size "$SIZE" -pid $SPID -json "$OUT/result.json" "$@" \
    2> >(tee "$OUT/gen.log" >&2)
RC=$?
if kill -0 $SPID 2>/dev/null; then
  kill $SPID; wait $SPID 2>/dev/null || true
  echo "server: alive at the end (stopped now); log: $OUT/server.log"
else
  wait $SPID; echo "server: ENDED during the run with exit code $?; log: $OUT/server.log"
fi
echo "server log: $(wc -l <"$OUT/server.log") lines, $(grep -c "fatal\|OutOfMemory\|Exception" "$OUT/server.log") about errors"
exit $RC
