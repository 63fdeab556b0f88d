#!/usr/bin/env bash
# API hot-path benchmark: `GET /connections/{id}` with the full identity check on a real
# `tributary serve` (release build), against a Hummingbird 2 hello-world (Benchmarks/HelloBenchmark)
# on the same machine in the same run, both by wrk at 64 connections, one after the other, each
# figure with the load average beside it. Prints both rates, their ratio (goal >= 0.5) and the
# service's p99 (goal < 5 ms).
# Usage: Benchmarks/api/get.sh   (BENCH_DURATION, default 15s). Needs wrk (Debian: apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${BENCH_API_PORT:-18080}
HELLO_PORT=${BENCH_HELLO_PORT:-18081}
DURATION=${BENCH_DURATION:-15s}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

swift build -c release --product tributary >/dev/null
swift build -c release --product hello-benchmark >/dev/null
BIN_DIR="$(swift build -c release --show-bin-path)"
. scripts/lib/service.sh
service_start "$BIN_DIR/tributary" "$PORT" warning
"$BIN_DIR/hello-benchmark" "$HELLO_PORT" >"$DATA/hello.log" 2>&1 &
SERVICE_PIDS+=("$!")
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$HELLO_PORT/hello" >/dev/null && break; sleep 0.2; done
HEADERS=(-H "Authorization: Bearer $TOKEN" -H "x-api-key: $KEY" -H "x-gw-ims-org-id: $ORG" -H "x-sandbox-name: prod")
API="http://127.0.0.1:$PORT/data/foundation/flowservice"
BODY='{"name": "Databricks connection", "auth": {"specName": "Access Token Authentication", "params": {"domain": "https://adb-1234567890123456.7.azuredatabricks.net", "clusterId": "0123-456789-abc", "accessToken": "dapi-bench", "database": "acme"}}, "connectionSpec": {"id": "e9d7ec6b-0873-4e57-ad21-b3a7c65e310b", "version": "1.0"}}'
ID=$(curl -sf -X POST "${HEADERS[@]}" -H "Content-Type: application/json" -d "$BODY" "$API/connections" | python3 -c "import json,sys;print(json.load(sys.stdin)['id'])")

measure() { wrk_figures -t2 -c64 -d"$DURATION" "$@"; }
wrk -t2 -c64 -d3s "${HEADERS[@]}" "$API/connections/$ID" >/dev/null   # warm both
wrk -t2 -c64 -d3s "http://127.0.0.1:$HELLO_PORT/hello" >/dev/null
L1=$(load); read -r SERVICE SERVICE_P99 <<<"$(measure "${HEADERS[@]}" "$API/connections/$ID")"
L2=$(load); read -r PEER PEER_P99 <<<"$(measure "http://127.0.0.1:$HELLO_PORT/hello")"
echo "tributary GET /connections/{id} (identity checked, 64 connections): $SERVICE req/s, p99 $SERVICE_P99 (load $L1; goal p99 < 5ms)"
echo "hummingbird hello-world GET /hello (64 connections): $PEER req/s, p99 $PEER_P99 (load $L2)"
printf 'ratio tributary/hello-world = %.2f (goal >= 0.5)\n' "$(echo "$SERVICE / $PEER" | bc -l)"
