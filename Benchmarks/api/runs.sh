#!/usr/bin/env bash
# Runs-list benchmark on each store: a real `tributary serve` (release build), first on SQLite, then
# on PostgreSQL (the tests' server, scripts/postgres/start.sh, a schema of its own), each holding N
# finished runs of 1,000 flows (seeded straight into the store by store-seed). Measured by wrk, the
# load average beside each figure (the machine is shared), and PostgreSQL's rate over SQLite's:
#   - `GET /runs?property=flowId==X&limit=10` (goal: p99 < 50 ms at N = 1,000,000 on either store);
#   - `GET /runs?limit=10` (newest first);
#   - `GET /runs?property=flowId==X&count=true`, once.
# Usage: Benchmarks/api/runs.sh [N]   (default 1000000). Needs wrk (Debian: apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000000}
FLOWS=1000
PORT=${BENCH_API_PORT:-18080}
DURATION=${BENCH_DURATION:-15s}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

swift build -c release --product tributary >/dev/null
swift build -c release --product store-seed >/dev/null
BIN_DIR="$(swift build -c release --show-bin-path)"
BIN="$BIN_DIR/tributary"
scripts/postgres/install.sh >/dev/null
scripts/postgres/start.sh >/dev/null
POSTGRES_URL="$(cat .test-env/postgres/url)"
. scripts/lib/service.sh

rate() { echo "$1" | sed -E 's/^([0-9.]+) req.*/\1/'; }

declare -A BY_FLOW NEWEST
for STORE in sqlite postgres; do
  if [ "$STORE" = postgres ]; then
    export TRIBUTARY_DATABASE_URL="$POSTGRES_URL&schema=bench_runs_$$&pool_size=20"
  else
    unset TRIBUTARY_DATABASE_URL
  fi
  service_start "$BIN" "$PORT" warning
  FLOW=$("$BIN_DIR/store-seed" "$N" "$FLOWS" "$ORG")
  HEADERS=(-H "Authorization: Bearer $TOKEN" -H "x-api-key: $KEY" -H "x-gw-ims-org-id: $ORG" -H "x-sandbox-name: prod")
  API="$BASE/data/foundation/flowservice"
  L=$(load); R=$(measure -t2 -c16 -d"$DURATION" "${HEADERS[@]}" "$API/runs?property=flowId%3D%3D$FLOW&limit=10")
  BY_FLOW[$STORE]=$R
  echo "$STORE: GET /runs?property=flowId==X&limit=10 over $N runs (16 connections): $R (load $L; goal p99 < 50ms)"
  L=$(load); R=$(measure -t2 -c16 -d"$DURATION" "${HEADERS[@]}" "$API/runs?limit=10")
  NEWEST[$STORE]=$R
  echo "$STORE: GET /runs?limit=10: $R (load $L)"
  L=$(load); START_NS=$(date +%s%N)
  C=$(curl -sf "${HEADERS[@]}" "$API/runs?property=flowId%3D%3D$FLOW&count=true" | python3 -c "import json,sys;print(json.load(sys.stdin)['count'])")
  echo "$STORE: GET /runs?property=flowId==X&count=true: $C in $(( ($(date +%s%N) - START_NS) / 1000000 )) ms (load $L)"
  service_stop
  SERVICE_PIDS=()
done
printf 'ratio postgres / sqlite: by flow %.2f, newest %.2f\n' \
  "$(echo "$(rate "${BY_FLOW[postgres]}") / $(rate "${BY_FLOW[sqlite]}")" | bc -l)" \
  "$(echo "$(rate "${NEWEST[postgres]}") / $(rate "${NEWEST[sqlite]}")" | bc -l)"
