#!/usr/bin/env python3
"""The pyarrow peer of the Parquet write benchmark: builds the same N-row table (GENERATED in
scripts/pyarrow/parquet_check.py) in memory, then times pq.write_table alone.
Usage: pyarrow_write.py N none|snappy|gzip|zstd LEVEL OUTPUT   (LEVEL 0: the codec's default)"""
import resource
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

n, codec, level, output = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
i = np.arange(n, dtype=np.int64)


def unscaled_decimal(unscaled, mask, precision, scale):
    """decimal128 values from their unscaled integers (16-byte little-endian two's complement)."""
    words = np.empty((len(unscaled), 2), dtype=np.int64)
    words[:, 0] = unscaled
    words[:, 1] = np.where(unscaled < 0, -1, 0)
    validity = pa.array(unscaled, mask=mask).buffers()[0]
    return pa.Array.from_buffers(pa.decimal128(precision, scale), len(unscaled), [validity, pa.py_buffer(words.tobytes())])


table = pa.table({
    "id": pa.array(i),
    "amount": pa.array(i * 0.25, mask=i % 10 == 3),
    "price": unscaled_decimal(i * 7 - 5000, i % 13 == 0, 18, 2),
    "label": pa.array(np.char.add("label-", (i % 1000).astype(str)), mask=i % 17 == 0),
    "note": pa.array(np.char.add("note ", i.astype(str))),
    "at": pa.array(1_600_000_000_000_000 + i * 1_000_003, mask=i % 11 == 0).cast(pa.timestamp("us", tz="UTC")),
    "flag": pa.array(i % 3 == 0),
    "day": pa.array((18000 + i % 3650).astype(np.int32)).cast(pa.date32()),
})
started = time.perf_counter()
pq.write_table(table, output, compression=codec, compression_level=level or None)
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
import os
print(f"pyarrow rows={n} write_seconds={seconds:.2f} rows_per_s={n / seconds:.0f} bytes={os.path.getsize(output)} "
      f"row_groups={pq.ParquetFile(output).metadata.num_row_groups} peak_rss_mib={peak}")
