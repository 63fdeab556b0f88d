#!/usr/bin/env bash
# Parquet write benchmark: N mixed rows written by Tributary's writer (release build) and by pyarrow
# in one run, for every codec at the same level (SNAPPY, ZSTD level 3, GZIP level 6, uncompressed);
# prints rows/s, file size, peak RSS, the ratios (speed and size) and the load average beside each
# figure, checks Tributary's files value by value with pyarrow, and shows the Swift peak RSS at N/10.
# Usage: Benchmarks/parquet/run.sh [N]   (default 10000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-10000000}
HOME_DIR=${TRIBUTARY_TEST_HOME:-"$(pwd)/.test-env"}
OUT="$HOME_DIR/parquet-bench"
mkdir -p "$OUT"
swift build -c release --product parquet-benchmark >/dev/null
scripts/pyarrow/install.sh >/dev/null
PY="$HOME_DIR/pyarrow-venv/bin/python"
BIN="$(swift build -c release --show-bin-path)/parquet-benchmark"

load() { cut -d' ' -f1 /proc/loadavg; }
for spec in snappy:0 zstd:3 gzip:6 none:0; do
  codec=${spec%%:*}
  level=${spec##*:}
  L1=$(load); SWIFT=$("$BIN" "$N" "$codec" "$level" "$OUT/swift-$codec.parquet")
  [ "$codec" = gzip ] && SWIFT_GZIP=$SWIFT
  L2=$(load); PEER=$("$PY" Benchmarks/parquet/pyarrow_write.py "$N" "$codec" "$level" "$OUT/pyarrow-$codec.parquet")
  echo "[$codec] $SWIFT load=$L1"
  echo "[$codec] $PEER load=$L2"
  S=$(echo "$SWIFT" | sed -E 's/.*rows_per_s=([0-9]+).*/\1/')
  P=$(echo "$PEER" | sed -E 's/.*rows_per_s=([0-9]+).*/\1/')
  SB=$(echo "$SWIFT" | sed -E 's/.*bytes=([0-9]+).*/\1/')
  PB=$(echo "$PEER" | sed -E 's/.*bytes=([0-9]+).*/\1/')
  printf '[%s] ratio swift/pyarrow rows/s = %.2f (goal >= 1)  size swift/pyarrow = %.2f (goal within 10%%)\n' "$codec" "$(echo "$S / $P" | bc -l)" "$(echo "$SB / $PB" | bc -l)"
  echo "[$codec] check: $("$PY" scripts/pyarrow/parquet_check.py generated "$OUT/swift-$codec.parquet" "$N")"
done
SMALL=$("$BIN" "$((N / 10))" gzip 6 "$OUT/swift-small.parquet")
echo "memory (gzip): swift peak RSS at N/10: $(echo "$SMALL" | sed -E 's/.*peak_rss_mib=([0-9]+).*/\1/') MiB, at N: $(echo "$SWIFT_GZIP" | sed -E 's/.*peak_rss_mib=([0-9]+).*/\1/') MiB (bounded by the 64 MiB row group)"
rm -f "$OUT"/*.parquet
