"""The peer of arrow-benchmark: the same file decompressed by the lz4 library (the reference C
implementation) and read by pyarrow, the same sums computed with pyarrow's compute kernels; the
fastest of PASSES passes. With MODE `objects` every column is turned into Python objects
(`to_pylist`), with `numpy` into NumPy arrays (`to_numpy`), instead of the sums: what a Python
client that uses the values pays.

Usage: peer.py FILE.arrows.lz4 [PASSES] [sums | objects | numpy]
"""
import sys
import time

import lz4.frame
import pyarrow as pa
import pyarrow.compute as pc

path = sys.argv[1]
passes = int(sys.argv[2]) if len(sys.argv) > 2 else 3
mode = sys.argv[3] if len(sys.argv) > 3 else "sums"
compressed = open(path, "rb").read()
if mode != "sums":
    best = None
    for _ in range(passes):
        start = time.perf_counter()
        table = pa.ipc.open_stream(lz4.frame.decompress(compressed)).read_all()
        values = 0
        for column in table.columns:
            converted = column.to_pylist() if mode == "objects" else column.to_numpy(zero_copy_only=False)
            values += len(converted)
        seconds = time.perf_counter() - start
        best = seconds if best is None else min(best, seconds)
    print(f"pyarrow-{mode}: rows={table.num_rows} seconds={best:.3f} rows_per_s={table.num_rows / best:.0f} values={values}")
    sys.exit(0)
best = None
for _ in range(passes):
    start = time.perf_counter()
    stream = lz4.frame.decompress(compressed)
    decompressed = time.perf_counter()
    table = pa.ipc.open_stream(stream).read_all()
    integers, doubles, text_bytes, nulls = 0, 0.0, 0, 0
    for column in table.columns:
        t = column.type
        nulls += column.null_count
        if pa.types.is_integer(t) or pa.types.is_date32(t) or pa.types.is_timestamp(t):
            stored = pa.int32() if pa.types.is_date32(t) else pa.int64()
            integers += pc.sum(pc.cast(column.cast(stored), pa.int64())).as_py() or 0
        elif pa.types.is_floating(t):
            doubles += pc.sum(column).as_py() or 0.0
        elif pa.types.is_decimal(t):
            # The unscaled values' low 64 bits, as the Swift side sums them.
            for chunk in column.chunks:
                raw = chunk.buffers()[1]
                lows = pa.Array.from_buffers(pa.uint64(), len(chunk) * 2, [None, raw])[::2]
                valid = chunk.is_valid()
                integers += int(pc.sum(pc.if_else(valid, lows, 0)).as_py() or 0)
        elif pa.types.is_string(t):
            text_bytes += pc.sum(pc.binary_length(column)).as_py() or 0
    end = time.perf_counter()
    if best is None or end - start < best[0]:
        best = (end - start, decompressed - start, table.num_rows, integers, doubles, text_bytes, nulls)
seconds, lz4_seconds, rows, integers, doubles, text_bytes, nulls = best
integers = (integers + 2**63) % 2**64 - 2**63  # wraps as Swift's &+= does
print(f"pyarrow: rows={rows} seconds={seconds:.3f} lz4_seconds={lz4_seconds:.3f} rows_per_s={rows / seconds:.0f} "
      f"integers={integers} doubles={doubles:.3f} text_bytes={text_bytes} nulls={nulls}")
