#!/usr/bin/env bash
# Parquet write benchmark: N mixed rows written by Tributary's writer (release build) and by pyarrow
# in one run, for GZIP (level 6) and uncompressed; prints rows/s, file size, peak RSS and the ratios,
# checks Tributary's file value by value with pyarrow, and shows the Swift peak RSS at N/10.
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

for codec in gzip none; do
  SWIFT=$("$BIN" "$N" "$codec" 6 "$OUT/swift-$codec.parquet")
  [ "$codec" = gzip ] && SWIFT_GZIP=$SWIFT
  PEER=$("$PY" Benchmarks/parquet/pyarrow_write.py "$N" "$codec" 6 "$OUT/pyarrow-$codec.parquet")
  echo "[$codec] $SWIFT"
  echo "[$codec] $PEER"
  S=$(echo "$SWIFT" | sed -E 's/.*rows_per_s=([0-9]+).*/\1/')
  P=$(echo "$PEER" | sed -E 's/.*rows_per_s=([0-9]+).*/\1/')
  printf '[%s] ratio swift/pyarrow rows/s = %.2f (goal >= 1)\n' "$codec" "$(echo "$S / $P" | bc -l)"
done
echo "check: $("$PY" scripts/pyarrow/parquet_check.py generated "$OUT/swift-gzip.parquet" "$N")"
SMALL=$("$BIN" "$((N / 10))" gzip 6 "$OUT/swift-small.parquet")
echo "memory (gzip): swift peak RSS at N/10: $(echo "$SMALL" | sed -E 's/.*peak_rss_mib=([0-9]+).*/\1/') MiB, at N: $(echo "$SWIFT_GZIP" | sed -E 's/.*peak_rss_mib=([0-9]+).*/\1/') MiB (bounded by the 64 MiB row group)"
rm -f "$OUT"/*.parquet
