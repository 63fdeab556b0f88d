#!/usr/bin/env bash
# The API on each store: a real `tributary serve` (release build) on SQLite, then on PostgreSQL (the
# tests' server, scripts/postgres/start.sh, a schema of its own), each measured by wrk at 64
# connections, the load average beside each figure (the machine is shared):
#   - `POST /connections` per second (a write: validation, sealing, insert);
#   - `GET /connections/{id}` per second and its p99 (identity checked; SQLite keeps what it read in
#     memory, PostgreSQL — written by several instances — reads the database every time).
# Prints PostgreSQL's rates over SQLite's.
# Usage: Benchmarks/api/stores.sh   (BENCH_DURATION, default 15s). Needs wrk (Debian: apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${BENCH_API_PORT:-18080}
DURATION=${BENCH_DURATION:-15s}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

swift build -c release --product tributary >/dev/null
BIN="$(swift build -c release --show-bin-path)/tributary"
scripts/postgres/install.sh >/dev/null
scripts/postgres/start.sh >/dev/null
POSTGRES_URL="$(cat .test-env/postgres/url)"
. scripts/lib/service.sh
BODY='{"name": "Databricks connection", "auth": {"specName": "Access Token Authentication", "params": {"domain": "https://adb-1234567890123456.7.azuredatabricks.net", "clusterId": "0123-456789-abc", "accessToken": "dapi-bench", "database": "acme"}}, "connectionSpec": {"id": "e9d7ec6b-0873-4e57-ad21-b3a7c65e310b", "version": "1.0"}}'

measure() {
  local out
  out=$(wrk --latency -t2 -c64 -d"$DURATION" "$@")
  printf '%s %s' "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" "$(echo "$out" | awk '$1 == "99%" {print $2}')"
}

declare -A POSTS GETS
for STORE in sqlite postgres; do
  if [ "$STORE" = postgres ]; then
    export TRIBUTARY_DATABASE_URL="$POSTGRES_URL&schema=bench_api_$$&pool_size=20"
  else
    unset TRIBUTARY_DATABASE_URL
  fi
  service_start "$BIN" "$PORT" warning
  HEADERS=(-H "Authorization: Bearer $TOKEN" -H "x-api-key: $KEY" -H "x-gw-ims-org-id: $ORG" -H "x-sandbox-name: prod")
  API="$BASE/data/foundation/flowservice"
  cat >"$DATA/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
LUA
  ID=$(curl -sf -X POST "${HEADERS[@]}" -H "Content-Type: application/json" -d "$BODY" "$API/connections" | python3 -c "import json,sys;print(json.load(sys.stdin)['id'])")
  wrk -t2 -c64 -d3s "${HEADERS[@]}" "$API/connections/$ID" >/dev/null   # warm
  L1=$(load); read -r POST POST_P99 <<<"$(measure -s "$DATA/post.lua" "${HEADERS[@]}" "$API/connections")"
  L2=$(load); read -r GET GET_P99 <<<"$(measure "${HEADERS[@]}" "$API/connections/$ID")"
  POSTS[$STORE]=$POST; GETS[$STORE]=$GET
  echo "$STORE: POST /connections $POST req/s, p99 $POST_P99 (load $L1); GET /connections/{id} $GET req/s, p99 $GET_P99 (load $L2)"
  service_stop
  SERVICE_PIDS=()
done
printf 'ratio postgres / sqlite: POST %.2f, GET %.2f\n' "$(echo "${POSTS[postgres]} / ${POSTS[sqlite]}" | bc -l)" "$(echo "${GETS[postgres]} / ${GETS[sqlite]}" | bc -l)"
