#!/usr/bin/env bash
# Ingest benchmark: a table of N mixed rows in the local Spark Thrift Server copied into a Parquet
# dataset by a real `tributary serve` (release build; a flow scheduled once, through the API),
# against the bare driver fetch of the same table in the same run. Prints both rates, the ratio
# (goal >= 0.8, issue 15) and the service's peak RSS at N/10 and N rows (goal: flat, under 256 MiB). The server
# is the benchmarks' own, compiling with C2 like a production JVM (Benchmarks/spark-server.sh). Its JIT
# keeps warming as it serves, so the bare fetch is measured before and after the ingest, and the ratio is
# taken against the faster of the two.
# On two shared cores the service and Spark compete for the CPU; BENCH_SPARK_CPUS=0 BENCH_CLIENT_CPUS=1
# pins Spark to one core and the clients (the bare fetch, the service) to the other, as a service and
# its source on separate machines (a Spark already running is used as it is: stop it first).
# Usage: Benchmarks/ingest/run.sh [N]   (default 10000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-10000000}
HOME_DIR=${TRIBUTARY_TEST_HOME:-"$(pwd)/.test-env"}
. Benchmarks/spark-server.sh
PORT=$BENCH_SPARK_PORT
URL=$BENCH_SPARK_URL

swift build -c release --product tributary >/dev/null
swift build -c release --product driver-benchmark >/dev/null
bench_spark_start

BIN_DIR=$(swift build -c release --show-bin-path)
PIN=${BENCH_CLIENT_CPUS:+taskset -c $BENCH_CLIENT_CPUS}
SMALL=$((N / 10))
"$BIN_DIR/tributary" sql --spark-url "$URL" "CREATE DATABASE IF NOT EXISTS bench" >/dev/null
for rows in "$N" "$SMALL"; do
  "$BIN_DIR/tributary" sql --spark-url "$URL" "DROP TABLE IF EXISTS bench.ingest_$rows" >/dev/null
  "$BIN_DIR/tributary" sql --spark-url "$URL" "CREATE TABLE bench.ingest_$rows USING parquet AS SELECT
    CAST(id AS INT) AS i, id * 7919 AS big, id / 7.0 AS d, CAST(id / 100 AS DECIMAL(18,2)) AS dec,
    concat('customer-', CAST(id % 5000 AS STRING)) AS s, timestamp_seconds(1704067200 + id) AS ts,
    IF(id % 3 = 0, NULL, id) AS maybe FROM range($rows)" >/dev/null
done

$PIN "$BIN_DIR/driver-benchmark" "$URL" "bench.ingest_$SMALL" >/dev/null   # warm the server once
# The machine is shared: the load average (1, 5, 15 min) after each figure says how quiet it was.
load() { cut -d' ' -f1-3 /proc/loadavg; }
rate() { echo "$1" | sed -E 's/.*rows_per_s=([0-9]+).*/\1/'; }
BARE=$($PIN "$BIN_DIR/driver-benchmark" "$URL" "bench.ingest_$N")
BARE_LOAD=$(load)
INGEST=$($PIN python3 Benchmarks/ingest/ingest.py "$BIN_DIR/tributary" 127.0.0.1 "$PORT" "bench.ingest_$N")
INGEST_LOAD=$(load)
BARE_AFTER=$($PIN "$BIN_DIR/driver-benchmark" "$URL" "bench.ingest_$N")
BARE_AFTER_LOAD=$(load)
INGEST_SMALL=$($PIN python3 Benchmarks/ingest/ingest.py "$BIN_DIR/tributary" 127.0.0.1 "$PORT" "bench.ingest_$SMALL")
# The same table over Spark Connect: the bare fetch reads the Arrow batches in place (the fastest
# client read), the ingest goes through the service's Arrow path.
BARE_CONNECT=$($PIN "$BIN_DIR/driver-benchmark" "$BENCH_SPARK_CONNECT_URL" "bench.ingest_$N" arrow)
BARE_CONNECT_LOAD=$(load)
INGEST_CONNECT=$($PIN python3 Benchmarks/ingest/ingest.py "$BIN_DIR/tributary" 127.0.0.1 "$PORT" "bench.ingest_$N" connect "$BENCH_SPARK_CONNECT_PORT")
INGEST_CONNECT_LOAD=$(load)
BARE_CONNECT_AFTER=$($PIN "$BIN_DIR/driver-benchmark" "$BENCH_SPARK_CONNECT_URL" "bench.ingest_$N" arrow)
BARE_CONNECT_AFTER_LOAD=$(load)
INGEST_CONNECT_SMALL=$($PIN python3 Benchmarks/ingest/ingest.py "$BIN_DIR/tributary" 127.0.0.1 "$PORT" "bench.ingest_$SMALL" connect "$BENCH_SPARK_CONNECT_PORT")
echo "bare fetch: $BARE (load $BARE_LOAD)"
echo "bare fetch after the ingest: $BARE_AFTER (load $BARE_AFTER_LOAD)"
echo "$INGEST (load $INGEST_LOAD)"
echo "memory: service peak RSS at N/10=$SMALL rows: $(echo "$INGEST_SMALL" | sed -E 's/.*peak_rss_mib=([0-9]+).*/\1/') MiB; at N=$N rows: $(echo "$INGEST" | sed -E 's/.*peak_rss_mib=([0-9]+).*/\1/') MiB (goal: flat, under 256)"
faster() { if [ "$1" -gt "$2" ]; then echo "$1"; else echo "$2"; fi; }
B_RATE=$(faster "$(rate "$BARE")" "$(rate "$BARE_AFTER")")
I_RATE=$(rate "$INGEST")
printf 'ratio ingest/faster bare fetch=%.2f (goal >= 0.8)\n' "$(echo "$I_RATE / $B_RATE" | bc -l)"
echo "Spark Connect bare fetch (Arrow in place): $BARE_CONNECT (load $BARE_CONNECT_LOAD)"
echo "Spark Connect $INGEST_CONNECT (load $INGEST_CONNECT_LOAD)"
echo "Spark Connect bare fetch after the ingest: $BARE_CONNECT_AFTER (load $BARE_CONNECT_AFTER_LOAD)"
C_BARE=$(faster "$(rate "$BARE_CONNECT")" "$(rate "$BARE_CONNECT_AFTER")")
C_RATE=$(rate "$INGEST_CONNECT")
printf 'ratio Spark Connect ingest/faster bare fetch=%.2f (goal >= 0.8)\n' "$(echo "$C_RATE / $C_BARE" | bc -l)"
echo "memory (Spark Connect): service peak RSS at N/10=$SMALL rows: $(echo "$INGEST_CONNECT_SMALL" | sed -E 's/.*peak_rss_mib=([0-9]+).*/\1/') MiB; at N=$N rows: $(echo "$INGEST_CONNECT" | sed -E 's/.*peak_rss_mib=([0-9]+).*/\1/') MiB"
