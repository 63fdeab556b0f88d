#!/usr/bin/env bash
# The API on each store: a real `tributary serve` (release build) on SQLite, then on PostgreSQL (the
# tests' server, scripts/postgres/start.sh, a schema of its own), then three instances on one
# PostgreSQL schema (one secret key; wrk's 64 connections split over the three, rates summed, the
# highest p99), each measured by wrk at 64 connections, the load average beside each figure (the
# machine is shared: three instances, PostgreSQL and wrk on the same cores):
#   - `POST /connections` per second (a write: validation, sealing, insert);
#   - `GET /connections/{id}` per second and its p99 (identity checked; SQLite keeps what it read in
#     memory, PostgreSQL — written by several instances — reads the database every time).
# Prints PostgreSQL's rates over SQLite's, and three instances' over one's.
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

measure() { wrk_figures -t2 -c64 -d"$DURATION" "$@"; }

# The same load split over the instances at BASES (wrk's arguments before the path, then the path):
# the rates summed, the highest p99.
measure_spread() {
  local path=${*: -1} args=("${@:1:$#-1}") outs=() base
  for base in "${BASES[@]}"; do
    wrk --latency -t1 -c$((64 / ${#BASES[@]})) -d"$DURATION" "${args[@]}" "$base$path" >"$DATA/wrk-${#outs[@]}.out" &
    outs+=("$!")
  done
  wait "${outs[@]}"
  cat "$DATA"/wrk-*.out | awk '/Requests\/sec/ {rate += $2} $1 == "99%" {print $2 > "/dev/stderr"} END {printf "%.2f ", rate}'
  rm -f "$DATA"/wrk-*.out
}

declare -A POSTS GETS
for STORE in sqlite postgres postgres-x3; do
  if [ "$STORE" = sqlite ]; then
    unset TRIBUTARY_DATABASE_URL
  else
    export TRIBUTARY_DATABASE_URL="$POSTGRES_URL&schema=bench_api_$$_${STORE//-/_}&pool_size=20"
    export TRIBUTARY_SECRET_KEY="$(head -c 32 /dev/urandom | base64)"   # one key: a token is good on every instance
  fi
  service_start "$BIN" "$PORT" warning
  BASES=("$BASE")
  if [ "$STORE" = postgres-x3 ]; then
    for N in 1 2; do
      "$BIN" serve --data-dir "$DATA/instance-$N" --port $((PORT + N)) --instance-name "bench-$N" >"$DATA/serve-$N.log" 2>&1 &
      SERVICE_PIDS+=("$!")
      BASES+=("http://127.0.0.1:$((PORT + N))")
      for _ in $(seq 1 100); do curl -sf "${BASES[-1]}/health" >/dev/null && break; sleep 0.2; done
    done
  fi
  HEADERS=(-H "Authorization: Bearer $TOKEN" -H "x-api-key: $KEY" -H "x-gw-ims-org-id: $ORG" -H "x-sandbox-name: prod")
  API="/data/foundation/flowservice"
  cat >"$DATA/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
LUA
  ID=$(curl -sf -X POST "${HEADERS[@]}" -H "Content-Type: application/json" -d "$BODY" "$BASE$API/connections" | python3 -c "import json,sys;print(json.load(sys.stdin)['id'])")
  wrk -t2 -c64 -d3s "${HEADERS[@]}" "$BASE$API/connections/$ID" >/dev/null   # warm
  if [ "$STORE" = postgres-x3 ]; then
    L1=$(load); POST=$(measure_spread -s "$DATA/post.lua" "${HEADERS[@]}" "$API/connections" 2>"$DATA/p99"); POST_P99=$(sort -h "$DATA/p99" | tail -1)
    L2=$(load); GET=$(measure_spread "${HEADERS[@]}" "$API/connections/$ID" 2>"$DATA/p99"); GET_P99=$(sort -h "$DATA/p99" | tail -1)
  else
    L1=$(load); read -r POST POST_P99 <<<"$(measure -s "$DATA/post.lua" "${HEADERS[@]}" "$BASE$API/connections")"
    L2=$(load); read -r GET GET_P99 <<<"$(measure "${HEADERS[@]}" "$BASE$API/connections/$ID")"
  fi
  POSTS[$STORE]=$POST; GETS[$STORE]=$GET
  echo "$STORE: POST /connections $POST req/s, p99 $POST_P99 (load $L1); GET /connections/{id} $GET req/s, p99 $GET_P99 (load $L2)"
  service_stop
  SERVICE_PIDS=()
  [ "$STORE" != sqlite ] && PGOPTIONS=--client-min-messages=warning psql "${POSTGRES_URL%%\?*}" -qc "DROP SCHEMA bench_api_$$_${STORE//-/_} CASCADE" >/dev/null
done
printf 'ratio postgres / sqlite: POST %.2f, GET %.2f\n' "$(echo "${POSTS[postgres]} / ${POSTS[sqlite]}" | bc -l)" "$(echo "${GETS[postgres]} / ${GETS[sqlite]}" | bc -l)"
printf 'ratio three instances / one (postgres): POST %.2f, GET %.2f\n' \
  "$(echo "${POSTS[postgres-x3]} / ${POSTS[postgres]}" | bc -l)" "$(echo "${GETS[postgres-x3]} / ${GETS[postgres]}" | bc -l)"
