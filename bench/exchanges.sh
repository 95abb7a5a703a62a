#!/usr/bin/env bash
# bench/exchanges.sh [SECONDS]
#
# What each exchange price driver costs on the wire: the four fake exchanges of btclock-tests in
# their realistic mode (ticker updates at about each exchange's real per-pair rate, its real
# heartbeat cadence), each read by its driver over one connection for SECONDS (default 180) after a
# 10 s warm-up. Prints a Markdown table: frames, payload and header bytes per second, MB per day,
# what the driver sent, and the price events it emitted. The rates are the fakes' (documented in
# FakeKraken, FakeCoinbase, FakeBitfinex, FakeBinance), not a recording of the real exchanges.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
SECONDS_TO_RUN=${1:-180}
source "$HERE/harness/build.sh"
echo "== building the BTClock bench launcher" >&2
build_launcher
"${JAVA17_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}/bin/java" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -cp "$BENCH_CP" dev.btclock.tests.bench.ExchangeBandwidth "$SECONDS_TO_RUN"
