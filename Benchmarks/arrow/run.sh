#!/usr/bin/env bash
# Arrow read benchmark: N rows of the driver benchmark's shape as one LZ4-framed Arrow IPC stream
# (as Databricks sends its batches), read by Tributary (release build: LZ4 frame decoding in Swift,
# the Arrow module, every value touched) and by the lz4 library + pyarrow (the same sums with
# pyarrow's compute kernels), then pyarrow again turning the columns into NumPy arrays and into
# Python objects, one after the other on the same file; prints each, the sums (which must agree),
# the ratios and the load average beside each figure.
# Usage: Benchmarks/arrow/run.sh [N]   (default 2000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-2000000}
HOME_DIR=${TRIBUTARY_TEST_HOME:-"$(pwd)/.test-env"}
scripts/pyarrow/install.sh >/dev/null
PY="$HOME_DIR/pyarrow-venv/bin/python"
swift build -c release --product arrow-benchmark >/dev/null
BIN="$(swift build -c release --show-bin-path)/arrow-benchmark"
FILE=$(mktemp --suffix=.arrows.lz4)
trap 'rm -f "$FILE"' EXIT
"$PY" Benchmarks/arrow/write.py "$N" "$FILE"
load() { cut -d' ' -f1 /proc/loadavg; }
L1=$(load); SWIFT=$("$BIN" "$FILE" 3)
L2=$(load); PEER=$("$PY" Benchmarks/arrow/peer.py "$FILE" 3)
L3=$(load); NUMPY=$("$PY" Benchmarks/arrow/peer.py "$FILE" 3 numpy)
L4=$(load); OBJECTS=$("$PY" Benchmarks/arrow/peer.py "$FILE" 1 objects)
echo "$SWIFT (load $L1)"
echo "$PEER (load $L2)"
echo "$NUMPY (load $L3)"
echo "$OBJECTS (load $L4)"
sums() { echo "$1" | sed -E 's/.*(integers=.*)$/\1/'; }
[ "$(sums "$SWIFT")" = "$(sums "$PEER")" ] && echo "sums agree" || echo "SUMS DIFFER"
S=$(echo "$SWIFT" | sed -E 's/.*rows_per_s=([0-9]+).*/\1/')
P=$(echo "$PEER" | sed -E 's/.*rows_per_s=([0-9]+).*/\1/')
printf 'ratio tributary/pyarrow rows/s = %.2f\n' "$(echo "$S / $P" | bc -l)"
N_RATE=$(echo "$NUMPY" | sed -E 's/.*rows_per_s=([0-9]+).*/\1/')
O_RATE=$(echo "$OBJECTS" | sed -E 's/.*rows_per_s=([0-9]+).*/\1/')
printf 'ratio tributary/pyarrow-numpy = %.2f  tributary/pyarrow-objects = %.2f\n' "$(echo "$S / $N_RATE" | bc -l)" "$(echo "$S / $O_RATE" | bc -l)"
