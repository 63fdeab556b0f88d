#!/usr/bin/env bash
# Flows-list benchmark on each store: a real `tributary serve` (release build) holding N flows in one
# sandbox, made through the API (Benchmarks/lib/flows.py; their first slots a day away, so nothing
# runs), first on SQLite, then on PostgreSQL (the tests' server, a schema of its own), once the
# service is idle again (it plans each new flow once). Measured by wrk at 16 connections — one
# organization's lists are answered one at a time (TRIBUTARY_LISTS_PER_ORGANIZATION), so a p99 there
# is sixteen lists' worth — and at one, the load average beside each figure (the machine is shared):
#   - `GET /flows` (a page of 100, the default; goal: p99 < 100 ms at N = 10,000);
#   - `GET /flows?limit=10`, and `?property=state==enabled&limit=10`.
# Usage: Benchmarks/api/flows.sh [N]   (default 10000). Needs wrk (Debian: apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-10000}
PORT=${BENCH_API_PORT:-18080}
DURATION=${BENCH_DURATION:-15s}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

swift build -c release --product tributary >/dev/null
BIN="$(swift build -c release --show-bin-path)/tributary"
scripts/postgres/install.sh >/dev/null
scripts/postgres/start.sh >/dev/null
POSTGRES_URL="$(cat .test-env/postgres/url)"
. scripts/lib/service.sh
export TRIBUTARY_ALLOWED_SOURCE_HOSTS=127.0.0.1

# Waits until the service is idle (under a tenth of a core over two seconds): the scheduler plans
# every new flow once, which would otherwise be measured with the lists.
settle() {
  local before after
  while true; do
    before=$(awk '{print $14 + $15}' "/proc/$SERVER/stat"); sleep 2; after=$(awk '{print $14 + $15}' "/proc/$SERVER/stat")
    [ $((after - before)) -lt $((2 * $(getconf CLK_TCK) / 10)) ] && return
  done
}

for STORE in sqlite postgres; do
  if [ "$STORE" = postgres ]; then
    export TRIBUTARY_DATABASE_URL="$POSTGRES_URL&schema=bench_flows_$$&pool_size=20"
  else
    unset TRIBUTARY_DATABASE_URL
  fi
  service_start "$BIN" "$PORT" warning
  HEADERS=(-H "Authorization: Bearer $TOKEN" -H "x-api-key: $KEY" -H "x-gw-ims-org-id: $ORG" -H "x-sandbox-name: prod")
  TRIBUTARY_HEADERS="{\"Authorization\": \"Bearer $TOKEN\", \"x-api-key\": \"$KEY\", \"x-gw-ims-org-id\": \"$ORG\", \"x-sandbox-name\": \"prod\", \"content-type\": \"application/json\"}" \
    python3 Benchmarks/lib/flows.py "$BASE" "$N"
  START=$(date +%s); settle; echo "$STORE: the scheduler planned the new flows in about $(($(date +%s) - START)) s"
  API="$BASE/data/foundation/flowservice"
  for QUERY in "flows" "flows?limit=10" "flows?property=state%3D%3Denabled&limit=10"; do
    for CONNECTIONS in 16 1; do
      L=$(load); R=$(measure -t1 -c$CONNECTIONS -d"$DURATION" "${HEADERS[@]}" "$API/$QUERY")
      echo "$STORE: GET /$QUERY over $N flows ($CONNECTIONS connections): $R (load $L; goal p99 < 100ms)"
    done
  done
  service_stop
  SERVICE_PIDS=()
  [ "$STORE" = postgres ] && PGOPTIONS=--client-min-messages=warning psql "${POSTGRES_URL%%\?*}" -qc "DROP SCHEMA bench_flows_$$ CASCADE" >/dev/null
done
