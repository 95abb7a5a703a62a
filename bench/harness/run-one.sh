#!/usr/bin/env bash
# run-one.sh SERVER N REP [extra generator flags...]
#   SERVER: go | go-wpool | node | node-preframe | floor | floor2 | java17 | java17-jsr356 | java25 | java25-aot
#   java17-jsr356: java17 with WS_ENGINE=jsr356 (the Jakarta WebSocket endpoints on Tyrus)
#   java*: the BTClock server's bench launcher (btclock-tests, dev.btclock.tests.bench.BenchServer) on the
#   class path in $BENCH_CP, with the JVM flags in $JVM_FLAGS; java25 uses $JAVA25_HOME;
#   java25-aot also the AOT cache $BENCH_AOT and the jar class path $BENCH_AOT_CP (build.sh build_aot_cache).
#   SERVER_CPUS (env, java17 only): pin the server to these CPUs with taskset (a Pi-like budget: SERVER_CPUS=0
#   with JVM_FLAGS "-XX:ActiveProcessorCount=1 -Xmx..."); the generator keeps the others.
# Starts the server, runs the generator against it, stops the server (by PID).
set -u
HERE="$(cd "$(dirname "$0")/.." && pwd)"
SERVER=$1; N=$2; REP=$3; shift 3
OUT=${OUT:-$HERE/results}
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)"   # raise the soft limit to the hard limit (1048576 where allowed)
case $SERVER in
  go)            PORT=8080; "$HERE/servers/go-gorilla/fanout-go" -addr 127.0.0.1:$PORT >"$OUT/$SERVER-$N-$REP.server.log" 2>&1 & ;;
  go-wpool)      PORT=8080; "$HERE/servers/go-gorilla/fanout-go" -addr 127.0.0.1:$PORT -wpool >"$OUT/$SERVER-$N-$REP.server.log" 2>&1 & ;;
  node)          PORT=8081; node "$HERE/servers/node-ws/server.js" --port $PORT >"$OUT/$SERVER-$N-$REP.server.log" 2>&1 & ;;
  node-preframe) PORT=8081; node "$HERE/servers/node-ws/server.js" --port $PORT --preframe >"$OUT/$SERVER-$N-$REP.server.log" 2>&1 & ;;
  floor)         PORT=8082; "$HERE/servers/c-floor/floor" -p $PORT -t 1 >"$OUT/$SERVER-$N-$REP.server.log" 2>&1 & ;;
  floor2)        PORT=8082; "$HERE/servers/c-floor/floor" -p $PORT -t 2 >"$OUT/$SERVER-$N-$REP.server.log" 2>&1 & ;;
  java17)        PORT=8090; LISTEN_ADDR=127.0.0.1:$PORT ${SERVER_CPUS:+taskset -c "$SERVER_CPUS"} "${JAVA17_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}/bin/java" $JVM_FLAGS \
                   -cp "$BENCH_CP" dev.btclock.tests.bench.BenchServer >"$OUT/$SERVER-$N-$REP.server.log" 2>&1 & ;;
  java17-jsr356) PORT=8090; WS_ENGINE=jsr356 LISTEN_ADDR=127.0.0.1:$PORT "${JAVA17_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}/bin/java" $JVM_FLAGS \
                   -cp "$BENCH_CP" dev.btclock.tests.bench.BenchServer >"$OUT/$SERVER-$N-$REP.server.log" 2>&1 & ;;
  java25)        PORT=8090; LISTEN_ADDR=127.0.0.1:$PORT "${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java" $JVM_FLAGS \
                   -cp "$BENCH_CP" dev.btclock.tests.bench.BenchServer >"$OUT/$SERVER-$N-$REP.server.log" 2>&1 & ;;
  java25-aot)    PORT=8090; LISTEN_ADDR=127.0.0.1:$PORT "${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java" $JVM_FLAGS \
                   -XX:AOTCache="$BENCH_AOT" -cp "$BENCH_AOT_CP" dev.btclock.tests.bench.BenchServer >"$OUT/$SERVER-$N-$REP.server.log" 2>&1 & ;;
  *) echo "unknown server $SERVER"; exit 2 ;;
esac
SPID=$!
for i in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$PORT/stats" >/dev/null && break
  sleep 0.1
done
sleep 1
"$HERE/gen/fanload" -port $PORT -n "$N" -pid $SPID -label "$SERVER n=$N rep=$REP" \
  -json "$OUT/$SERVER-$N-$REP.json" "$@" 2>&1 | tee "$OUT/$SERVER-$N-$REP.gen.log"
RC=${PIPESTATUS[0]}
kill $SPID 2>/dev/null; wait $SPID 2>/dev/null
exit $RC
