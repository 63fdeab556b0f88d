#!/usr/bin/env bash
# Driver benchmark: loads a table of N mixed rows (int, bigint, double, decimal, string, timestamp,
# nullable columns) into the local Spark Thrift Server and fetches it in full with the Swift driver
# (release build), PyHive and beeline in one run, and measures the server's own limit (raw_fetch.py:
# the pages fetched and thrown away undecoded); prints rows/s, peak RSS, the ratios and the load
# average beside each figure. The server is the benchmarks' own, compiling with C2 like a production
# JVM (Benchmarks/spark-server.sh).
# Usage: Benchmarks/driver/run.sh [N]   (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000000}
HOME_DIR=${TRIBUTARY_TEST_HOME:-"$(pwd)/.test-env"}
. Benchmarks/spark-server.sh
URL=$BENCH_SPARK_URL

swift build -c release --product driver-benchmark >/dev/null
if [ ! -x "$HOME_DIR/bench-venv/bin/python" ]; then
  python3 -m venv "$HOME_DIR/bench-venv"
  "$HOME_DIR/bench-venv/bin/pip" install --quiet --disable-pip-version-check pyhive thrift thrift_sasl pure-sasl
fi
bench_spark_start

BIN=$(swift build -c release --show-bin-path)/driver-benchmark
SQL="$(swift build -c release --show-bin-path)/tributary"
TABLE="bench.mixed_$N"
SMALL=$((N / 10))
"$SQL" sql --spark-url "$URL" "CREATE DATABASE IF NOT EXISTS bench" >/dev/null
for rows in "$N" "$SMALL"; do
  "$SQL" sql --spark-url "$URL" "DROP TABLE IF EXISTS bench.mixed_$rows" >/dev/null
  "$SQL" sql --spark-url "$URL" "CREATE TABLE bench.mixed_$rows USING parquet AS SELECT
    CAST(id AS INT) AS i, id * 7919 AS big, id / 7.0 AS d, CAST(id AS DECIMAL(18,2)) / 100 AS dec,
    concat('customer-', CAST(id % 5000 AS STRING)) AS s, TIMESTAMP'2024-01-01 00:00:00' + make_interval(0, 0, 0, 0, 0, 0, id) AS ts,
    IF(id % 3 = 0, NULL, id) AS maybe FROM range($rows)" >/dev/null
done

# Client CPU (user+sys) is printed next to the wall-clock rate: the server's share is the same for all.
measure() {
  /usr/bin/time -f "%U %S" -o "$HOME_DIR/cpu" "$@" > "$HOME_DIR/out"
  echo "$(cat "$HOME_DIR/out") client_cpu_s=$(awk '{printf "%.2f", $1 + $2}' "$HOME_DIR/cpu") load=$(cut -d' ' -f1 /proc/loadavg)"
}
"$BIN" "$URL" "$TABLE" >/dev/null   # warm the server once
SWIFT=$(measure "$BIN" "$URL" "$TABLE")
RAW=$(measure "$HOME_DIR/bench-venv/bin/python" Benchmarks/driver/raw_fetch.py "$URL" "$TABLE")
PYHIVE=$(measure "$HOME_DIR/bench-venv/bin/python" Benchmarks/driver/pyhive_fetch.py "$URL" "$TABLE")
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
SPARK_HOME="$("$HOME_DIR/spark-venv/bin/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')"
b_start=$(date +%s.%N)
"$SPARK_HOME/bin/beeline" -u "jdbc:hive2://127.0.0.1:$BENCH_SPARK_PORT/default;transportMode=http;httpPath=cliservice" \
  -n bench -p x --silent=true --outputformat=tsv2 --incremental=true -e "SELECT * FROM $TABLE" 2>/dev/null | tail -n +2 | wc -l > "$HOME_DIR/beeline-rows"
b_end=$(date +%s.%N)
B_ROWS=$(cat "$HOME_DIR/beeline-rows")
B_SECONDS=$(echo "$b_end - $b_start" | bc -l)
B_RATE=$(echo "$B_ROWS / $B_SECONDS" | bc)

SWIFT_SMALL=$("$BIN" "$URL" "bench.mixed_$SMALL")
echo "$SWIFT"
echo "$RAW"
echo "$PYHIVE"
echo "memory: swift peak RSS at N/10=$SMALL rows: $(echo "$SWIFT_SMALL" | sed -E 's/.*peak_rss_mib=([0-9]+).*/\1/') MiB; at N=$N rows: $(echo "$SWIFT" | sed -E 's/.*peak_rss_mib=([0-9]+).*/\1/') MiB (flat: bounded by the batch size)"
printf 'beeline rows=%s seconds=%.2f rows_per_s=%s (includes JVM start)\n' "$B_ROWS" "$B_SECONDS" "$B_RATE"
S_RATE=$(echo "$SWIFT" | sed -E 's/.*rows_per_s=([0-9]+).*/\1/')
P_RATE=$(echo "$PYHIVE" | sed -E 's/.*rows_per_s=([0-9]+).*/\1/')
R_RATE=$(echo "$RAW" | sed -E 's/.*rows_per_s=([0-9]+).*/\1/')
printf 'ratio swift/raw-thrift=%.2f (goal >= 0.8: the server pages undecoded are the ceiling)\n' "$(echo "$S_RATE / $R_RATE" | bc -l)"
printf 'ratio swift/pyhive=%.2f (goal >= 3)  swift/beeline=%.2f (goal >= 1.5)\n' "$(echo "$S_RATE / $P_RATE" | bc -l)" "$(echo "$S_RATE / $B_RATE" | bc -l)"
