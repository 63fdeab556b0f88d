#!/usr/bin/env bash
# List benchmark: a real `tributary serve` (release build) with N base connections in one sandbox.
# Measured by wrk, with the load average beside each figure (the machine is shared):
#   - `GET /connections?limit=10` (goal: p99 < 20 ms at N = 100,000) and `?count=true`;
#   - another organization's `GET /connections/{id}` alone, then while four clients list the full
#     sandbox (`GET /connections`, 100 a page): the ratio of the two rates (goal: >= 0.9), and the
#     pages the listers got meanwhile (kept to TRIBUTARY_LIST_SHARE of the time, default 0.1).
# Usage: Benchmarks/api/lists.sh [N]   (default 100000). Needs wrk (Debian: apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-100000}
PORT=${BENCH_API_PORT:-18080}
DURATION=${BENCH_DURATION:-15s}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

swift build -c release --product tributary >/dev/null
BIN="$(swift build -c release --show-bin-path)/tributary"
. scripts/lib/service.sh
service_start "$BIN" "$PORT" warning

# Tenant A: the bootstrap client. Tenant B: another organization with a client of its own.
KEY_A=$KEY; ORG_A=$ORG; TOKEN_A=$TOKEN
ORG_B=$("$BIN" orgs create --name "other tenant")
"$BIN" clients create --org "$ORG_B" --name bench >"$DATA/creds-b.json"
KEY_B=$(field "$DATA/creds-b.json" clientId)
TOKEN_B=$("$BIN" token --client-id "$KEY_B")
HEADERS_A=(-H "Authorization: Bearer $TOKEN_A" -H "x-api-key: $KEY_A" -H "x-gw-ims-org-id: $ORG_A" -H "x-sandbox-name: prod")
HEADERS_B=(-H "Authorization: Bearer $TOKEN_B" -H "x-api-key: $KEY_B" -H "x-gw-ims-org-id: $ORG_B" -H "x-sandbox-name: prod")
API="$BASE/data/foundation/flowservice"
BODY='{"name": "Databricks connection", "auth": {"specName": "Access Token Authentication", "params": {"domain": "https://adb-1234567890123456.7.azuredatabricks.net", "clusterId": "0123-456789-abc", "accessToken": "dapi-bench", "database": "acme"}}, "connectionSpec": {"id": "e9d7ec6b-0873-4e57-ad21-b3a7c65e310b", "version": "1.0"}}'
cat >"$DATA/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
LUA

count() { curl -sf "$@" | python3 -c "import json,sys;print(json.load(sys.stdin)['count'])"; }
# Seed tenant A through the API until it holds N connections.
START=$(date +%s)
while [ "$(count "${HEADERS_A[@]}" "$API/connections?count=true")" -lt "$N" ]; do
  wrk -t2 -c16 -d10s -s "$DATA/post.lua" "${HEADERS_A[@]}" "$API/connections" >/dev/null
done
echo "seeded $(count "${HEADERS_A[@]}" "$API/connections?count=true") connections in $(($(date +%s) - START)) s"
ID_B=$(curl -sf -X POST "${HEADERS_B[@]}" -H "Content-Type: application/json" -d "$BODY" "$API/connections" | python3 -c "import json,sys;print(json.load(sys.stdin)['id'])")

rate() { echo "$1" | sed -E 's/^([0-9.]+) req.*/\1/'; }

sleep 2   # B has been served within the last second: A's lists would keep to their share (TRIBUTARY_LIST_SHARE)
L=$(load); R=$(measure -t1 -c4 -d"$DURATION" "${HEADERS_A[@]}" "$API/connections?limit=10")
echo "GET /connections?limit=10 over $N records (4 connections): $R (load $L; goal p99 < 20ms)"
L=$(load); START_NS=$(date +%s%N); C=$(count "${HEADERS_A[@]}" "$API/connections?count=true")
echo "GET /connections?count=true: $C in $(( ($(date +%s%N) - START_NS) / 1000000 )) ms (load $L)"
L=$(load); ALONE=$(measure -t1 -c16 -d"$DURATION" "${HEADERS_B[@]}" "$API/connections/$ID_B")
echo "other tenant GET /connections/{id} alone (16 connections): $ALONE (load $L)"
wrk -t1 -c4 -d"$DURATION" "${HEADERS_A[@]}" "$API/connections" >"$DATA/listers.txt" &
LISTERS=$!
sleep 1
L=$(load); BESIDE=$(measure -t1 -c16 -d"$DURATION" "${HEADERS_B[@]}" "$API/connections/$ID_B")
wait $LISTERS
echo "other tenant GET /connections/{id} while 4 clients list 100 a page: $BESIDE (load $L); the listers: $(awk '/Requests\/sec/ {print $2}' "$DATA/listers.txt") pages/s"
printf 'ratio other tenant GET beside listers / alone = %.2f (goal >= 0.9)\n' "$(echo "$(rate "$BESIDE") / $(rate "$ALONE")" | bc -l)"
