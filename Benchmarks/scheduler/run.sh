#!/usr/bin/env bash
# Scheduler benchmark: FLOWS flows every 15 minutes on one instance, then on three instances sharing
# one PostgreSQL (the tests' server, scripts/postgres/start.sh, a schema per run) and one lake: pickup
# latency (slot time to inProgress) p50/p99 — goal p99 < 1 s —, PostgreSQL's and the instances' CPU,
# database transactions per second, the load average beside them (the machine is shared). See
# pickup.py for what a run does (it asks a stand-in source that answers 503 and fails at once: the
# scheduler is measured, not a source).
# Usage: Benchmarks/scheduler/run.sh [FLOWS] [SPREAD_SECONDS]
#   FLOWS default 10000; SPREAD_SECONDS default 900 — the flows' first slots spread over it: 900 is
#   the steady state of flows every 15 minutes, 300 three times its rate.
set -euo pipefail
cd "$(dirname "$0")/../.."
FLOWS=${1:-10000}
SPREAD=${2:-900}
swift build -c release --product tributary >/dev/null
BIN="$(swift build -c release --show-bin-path)/tributary"
scripts/postgres/install.sh >/dev/null
scripts/postgres/start.sh >/dev/null
URL="$(cat .test-env/postgres/url)"
for INSTANCES in 1 3; do
  SCHEMA="bench_scheduler_$$_$INSTANCES"
  echo "$INSTANCES instance(s), $FLOWS flows every 15 minutes, first slots over $SPREAD s:"
  python3 Benchmarks/scheduler/pickup.py "$BIN" "$INSTANCES" "$FLOWS" "$SPREAD" "$URL&schema=$SCHEMA&pool_size=10" .test-env/postgres/data
  PGOPTIONS=--client-min-messages=warning psql "${URL%%\?*}" -qc "DROP SCHEMA $SCHEMA CASCADE" >/dev/null
done
