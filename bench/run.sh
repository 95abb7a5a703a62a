#!/usr/bin/env bash
# bench/run.sh [SERVERS] [NS] [REPS] [generator flags...]
#
# Builds the load generator, the three reference servers and the BTClock bench launcher, runs the
# generator against each server REPS times per N (waiting for an idle machine before each run), and
# prints the tables (median (min–max)) with the machine and the JVM flags used.
#   SERVERS  default "floor node go java17 java25"; java25-aot: JDK 25 with an AOT cache trained first;
#            java17-jsr356: the server with WS_ENGINE=jsr356 (Jakarta WebSocket endpoints on Tyrus)
#   NS       default "19000" (the file limit here is 20000 per process)
#   REPS     default 3
#   generator flags, e.g. the v2 variant: bench/run.sh "java17 java25" 19000 3 -v2 -ws-path /api/v2/ws
#   JVM_FLAGS (env) default "-Xms512m -Xmx512m -Xmn16m -XX:+UseParallelGC -XX:-UsePerfData -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError": the production flags (README "Deployment"), heap fixed
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
SERVERS=${1:-"floor node go java17 java25"}
NS=${2:-19000}
REPS=${3:-3}
shift $(( $# < 3 ? $# : 3 ))
export JVM_FLAGS=${JVM_FLAGS:-"-Xms512m -Xmx512m -Xmn16m -XX:+UseParallelGC -XX:-UsePerfData -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError"}

source "$HERE/harness/build.sh"
bench_packages
echo "== building the generator and the reference servers"
build_generator
build_reference_servers
echo "== building the BTClock bench launcher"
build_launcher
case " $SERVERS " in *" java25-aot "*) build_aot_cache ;; esac

OUT="$HERE/results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
machine_info "$OUT"

"$HERE/harness/run-all.sh" "$OUT" "$SERVERS" "$NS" "$REPS" "$@"
echo
cat "$OUT/machine.txt"
python3 "$HERE/harness/tables.py" "$OUT" "$(echo "$SERVERS" | tr ' ' ',')" | tee "$OUT/tables.md"
