#!/usr/bin/env bash
# Stops the Spark Thrift Server started by start.sh (SIGTERM, then SIGKILL after 30 s).
set -uo pipefail
HOME_DIR=${TRIBUTARY_TEST_HOME:-"$(cd "$(dirname "$0")/../.." && pwd)/.test-env"}
STATE=${SPARK_STATE:-"$HOME_DIR/spark-state"}
[ -f "$STATE/thrift.pid" ] || exit 0
pid=$(cat "$STATE/thrift.pid")
kill -TERM "$pid" 2>/dev/null || { rm -f "$STATE/thrift.pid"; exit 0; }
for _ in $(seq 1 60); do
  kill -0 "$pid" 2>/dev/null || { rm -f "$STATE/thrift.pid"; echo "spark: stopped"; exit 0; }
  sleep 0.5
done
kill -KILL "$pid" 2>/dev/null
rm -f "$STATE/thrift.pid"
echo "spark: killed"
