#!/usr/bin/env bash
# What metrics cost the API: `GET /connections/{id}` with the full identity check on a real
# `tributary serve` (release build) with metrics on (the default) and off (TRIBUTARY_METRICS=off),
# by wrk at 64 connections, one after the other, twice each in alternation (on, off, on, off) so that
# a drift of the shared machine falls on both; each figure with the load average beside it. Prints the
# rates, p99s and the ratio of the best "on" to the best "off" (goal: metrics cost < 5%, ratio >= 0.95).
# Usage: Benchmarks/api/metrics.sh   (BENCH_DURATION, default 10s). Needs wrk (Debian: apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${BENCH_API_PORT:-18080}
DURATION=${BENCH_DURATION:-10s}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
swift build -c release --product tributary >/dev/null
BIN_DIR="$(swift build -c release --show-bin-path)"
. scripts/lib/service.sh
BODY='{"name": "Databricks connection", "auth": {"specName": "Access Token Authentication", "params": {"domain": "https://adb-1234567890123456.7.azuredatabricks.net", "clusterId": "0123-456789-abc", "accessToken": "dapi-bench", "database": "acme"}}, "connectionSpec": {"id": "e9d7ec6b-0873-4e57-ad21-b3a7c65e310b", "version": "1.0"}}'

# One measurement of a fresh service with TRIBUTARY_METRICS=$1: "RATE P99".
run() {
  export TRIBUTARY_METRICS=$1
  service_start "$BIN_DIR/tributary" "$PORT" warning
  local headers=(-H "Authorization: Bearer $TOKEN" -H "x-api-key: $KEY" -H "x-gw-ims-org-id: $ORG" -H "x-sandbox-name: prod")
  local api="$BASE/data/foundation/flowservice"
  local id
  id=$(curl -sf -X POST "${headers[@]}" -H "Content-Type: application/json" -d "$BODY" "$api/connections" | python3 -c "import json,sys;print(json.load(sys.stdin)['id'])")
  wrk -t2 -c64 -d3s "${headers[@]}" "$api/connections/$id" >/dev/null   # warm
  wrk_figures -t2 -c64 -d"$DURATION" "${headers[@]}" "$api/connections/$id"
  service_stop
  SERVICE_PIDS=()
}

best() { printf '%s\n' "$@" | sort -g | tail -1; }
ON=(); OFF=()
for round in 1 2; do
  L=$(load); read -r RATE P99 <<<"$(run on)"; ON+=("$RATE"); echo "metrics on  (round $round): $RATE req/s, p99 $P99 (load $L)"
  L=$(load); read -r RATE P99 <<<"$(run off)"; OFF+=("$RATE"); echo "metrics off (round $round): $RATE req/s, p99 $P99 (load $L)"
done
printf 'ratio best on / best off = %.3f (goal >= 0.95: metrics cost < 5%%)\n' "$(echo "$(best "${ON[@]}") / $(best "${OFF[@]}")" | bc -l)"
