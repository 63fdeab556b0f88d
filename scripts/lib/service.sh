# Sourced by the benchmark and proof scripts: a `tributary serve` of their own on a fresh data
# directory, stopped and removed when the script exits.
#   service_start BIN PORT LOG_LEVEL   starts it and waits for /health; sets DATA, SERVER, BASE and
#                                      KEY, ORG, TOKEN (the bootstrap client, its org, a token)
#   field FILE MEMBER                  a member of a JSON file
#   load                               the 1-minute load average
#   wrk_figures WRK_ARGUMENTS…         wrk's requests per second and 99th percentile latency: "RATE P99"
#   measure WRK_ARGUMENTS…             the same as "RATE req/s, p99 P99"
# A script that starts more processes adds them to SERVICE_PIDS so that they stop too.

field() { python3 -c "import json,sys;print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
load() { cut -d' ' -f1 /proc/loadavg; }
wrk_figures() {
  local out
  out=$(wrk --latency "$@")
  printf '%s %s' "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" "$(echo "$out" | awk '$1 == "99%" {print $2}')"
}
measure() {
  local figures
  figures=$(wrk_figures "$@")
  printf '%s req/s, p99 %s' "${figures% *}" "${figures#* }"
}

SERVICE_PIDS=()
service_stop() {
  for pid in "${SERVICE_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${SERVICE_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -n "${DATA:-}" ] && rm -rf "$DATA"
}

service_start() {
  local bin=$1 port=$2 level=$3
  DATA=$(mktemp -d)
  export TRIBUTARY_DATA_DIR="$DATA" TRIBUTARY_PORT="$port" TRIBUTARY_LOG_LEVEL="$level"
  "$bin" serve >"$DATA/serve.log" 2>&1 &
  SERVER=$!
  SERVICE_PIDS+=("$SERVER")
  trap service_stop EXIT
  BASE="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do curl -sf "$BASE/health" >/dev/null && break; sleep 0.2; done
  KEY=$(field "$DATA/bootstrap-credentials.json" clientId)
  ORG=$(field "$DATA/bootstrap-credentials.json" orgId)
  TOKEN=$("$bin" token --client-id "$KEY")
}
