#!/usr/bin/env bash
# Spark Connect benchmark: on the driver benchmark's table of N mixed rows (7 columns: int, bigint,
# double, decimal, string, timestamp, a nullable bigint) in the benchmarks' own Spark server, in one
# run and one after the other: the Swift Spark Connect fetch (release; every value read as a typed
# SQLValue, and again read from the Arrow columns in place, as a columnar consumer would), PySpark's
# Spark Connect client toArrow(), the Swift Thrift fetch and PyHive. Prints rows/s, client CPU
# (user+sys) and peak RSS of each, the Swift Connect figure at N/10 (memory flat in N), the ratios
# against the issue's goals, and the load average beside each figure (the machine is shared).
# Usage: Benchmarks/connect/run.sh [N]   (default 10000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-10000000}
HOME_DIR=${TRIBUTARY_TEST_HOME:-"$(pwd)/.test-env"}
. Benchmarks/spark-server.sh

swift build -c release --product driver-benchmark >/dev/null
swift build -c release --product tributary >/dev/null
if [ ! -x "$HOME_DIR/bench-venv/bin/python" ]; then
  python3 -m venv "$HOME_DIR/bench-venv"
  "$HOME_DIR/bench-venv/bin/pip" install --quiet --disable-pip-version-check pyhive thrift thrift_sasl pure-sasl
fi
# PySpark's Spark Connect client needs pandas, pyarrow and grpc beside pyspark.
if ! "$HOME_DIR/spark-venv/bin/python" -c "import pandas, pyarrow, grpc, google.rpc" 2>/dev/null; then
  "$HOME_DIR/spark-venv/bin/pip" install --quiet --disable-pip-version-check pandas pyarrow==22.0.0 grpcio grpcio-status googleapis-common-protos zstandard
fi
bench_spark_start

BIN=$(swift build -c release --show-bin-path)/driver-benchmark
SQL="$(swift build -c release --show-bin-path)/tributary"
SMALL=$((N / 10))
"$SQL" sql --spark-url "$BENCH_SPARK_URL" "CREATE DATABASE IF NOT EXISTS bench" >/dev/null
# Files of about 500,000 rows (tens of MB, as a lake's files are): Spark Connect collects a whole
# partition as Arrow on an executor before sending it.
for rows in "$N" "$SMALL"; do
  if ! "$SQL" sql --spark-url "$BENCH_SPARK_URL" "SELECT 1 FROM bench.connect_$rows LIMIT 1" >/dev/null 2>&1; then
    "$SQL" sql --spark-url "$BENCH_SPARK_URL" "CREATE TABLE bench.connect_$rows USING parquet AS SELECT /*+ REPARTITION($(( (rows + 499999) / 500000 ))) */
      CAST(id AS INT) AS i, id * 7919 AS big, id / 7.0 AS d, CAST(id AS DECIMAL(18,2)) / 100 AS dec,
      concat('customer-', CAST(id % 5000 AS STRING)) AS s, TIMESTAMP'2024-01-01 00:00:00' + make_interval(0, 0, 0, 0, 0, 0, id) AS ts,
      IF(id % 3 = 0, NULL, id) AS maybe FROM range($rows)" >/dev/null
  fi
done
TABLE="bench.connect_$N"

# One subject: its line, its client CPU and the load average when it ended.
measure() {
  /usr/bin/time -f "%U %S" -o "$HOME_DIR/cpu" "$@" > "$HOME_DIR/out"
  echo "$(cat "$HOME_DIR/out") client_cpu_s=$(awk '{printf "%.2f", $1 + $2}' "$HOME_DIR/cpu") load=$(cut -d' ' -f1 /proc/loadavg)"
}
rate() { echo "$1" | sed -E 's/.*rows_per_s=([0-9]+).*/\1/'; }
cpu() { echo "$1" | sed -E 's/.*client_cpu_s=([0-9.]+).*/\1/'; }
rss() { echo "$1" | sed -E 's/.*peak_rss_mib=([0-9]+).*/\1/'; }

"$BIN" "$BENCH_SPARK_CONNECT_URL" "$TABLE" >/dev/null   # warm the server once (JIT, file cache)
CONNECT=$(measure "$BIN" "$BENCH_SPARK_CONNECT_URL" "$TABLE")
COLUMNAR=$(measure "$BIN" "$BENCH_SPARK_CONNECT_URL" "$TABLE" arrow)
PYSPARK=$(measure "$HOME_DIR/spark-venv/bin/python" Benchmarks/connect/pyspark_connect_fetch.py "$BENCH_SPARK_CONNECT_URL" "$TABLE")
THRIFT=$(measure "$BIN" "$BENCH_SPARK_URL" "$TABLE")
PYHIVE=$(measure "$HOME_DIR/bench-venv/bin/python" Benchmarks/driver/pyhive_fetch.py "$BENCH_SPARK_URL" "$TABLE")
CONNECT_SMALL=$(measure "$BIN" "$BENCH_SPARK_CONNECT_URL" "bench.connect_$SMALL")

echo "$CONNECT"
echo "$COLUMNAR"
echo "$PYSPARK"
echo "$THRIFT"
echo "$PYHIVE"
echo "memory: swift-connect peak RSS at N/10=$SMALL rows: $(rss "$CONNECT_SMALL") MiB; at N=$N rows: $(rss "$CONNECT") MiB (pyspark-connect at N: $(rss "$PYSPARK") MiB, a whole Arrow table)"
printf 'ratio swift-connect/pyspark-connect=%.2f (goal >= 1)  swift-connect/swift-thrift=%.2f (goal >= 3)  swift-thrift/pyhive=%.2f\n' \
  "$(echo "$(rate "$CONNECT") / $(rate "$PYSPARK")" | bc -l)" "$(echo "$(rate "$CONNECT") / $(rate "$THRIFT")" | bc -l)" \
  "$(echo "$(rate "$THRIFT") / $(rate "$PYHIVE")" | bc -l)"
printf 'ratio swift-connect-arrow/pyspark-connect=%.2f  swift-connect-arrow/swift-thrift=%.2f\n' \
  "$(echo "$(rate "$COLUMNAR") / $(rate "$PYSPARK")" | bc -l)" "$(echo "$(rate "$COLUMNAR") / $(rate "$THRIFT")" | bc -l)"
printf 'client cpu swift-connect=%ss swift-connect-arrow=%ss pyspark-connect=%ss (goal: no more than pyspark)\n' "$(cpu "$CONNECT")" "$(cpu "$COLUMNAR")" "$(cpu "$PYSPARK")"
