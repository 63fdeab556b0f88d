#!/usr/bin/env python3
"""Reads Parquet files Tributary wrote, with pyarrow, for the tests.

  parquet_check.py dump FILE          the schema and every row as JSON (typed: decimals as text,
                                      dates ISO, timestamps as UTC microseconds, binary as base64)
  parquet_check.py dataset DIR        every row of every Parquet file under DIR (files and folders
                                      starting with _ or . skipped, as pyarrow does), each cell as
                                      text (null stays null), sorted by the first column
  parquet_check.py generated FILE N   checks a file of the generated table (see GENERATED below)
                                      value by value, vectorised; prints {"ok", "rows", "problems"}
"""
import base64
import datetime
import json
import math
import sys

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


def cell(value):
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime.datetime):
        epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        delta = value - epoch
        return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
    if isinstance(value, datetime.date):
        return value.isoformat()
    if hasattr(value, "as_tuple"):  # decimal.Decimal
        return str(value)
    return value


def text(value):
    value = cell(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def dataset(path):
    import pyarrow.dataset as ds
    table = ds.dataset(path, format="parquet").to_table()
    rows = [[text(v) for v in row.values()] for row in table.to_pylist()]
    rows.sort(key=lambda row: int(row[0]) if row[0] is not None and row[0].lstrip("-").isdigit() else 0)
    print(json.dumps({"columns": table.schema.names, "num_rows": table.num_rows, "rows": rows}))


def dump(path):
    table = pq.read_table(path)
    metadata = pq.ParquetFile(path).metadata
    rows = [[cell(v) for v in row.values()] for row in table.to_pylist()]
    print(json.dumps({
        "schema": [{"name": f.name, "type": str(f.type), "nullable": f.nullable} for f in table.schema],
        "num_rows": table.num_rows,
        "row_groups": metadata.num_row_groups,
        "rows": rows,
    }))


# GENERATED: the table Tests/ParquetTests writes for large files; row i holds
#   id     int64 i                                   required
#   amount double i * 0.25                           null when i % 10 == 3
#   price  decimal(18,2) unscaled i * 7 - 5000       null when i % 13 == 0
#   label  string "label-" + str(i % 1000)           null when i % 17 == 0
#   note   string "note " + str(i)                   required
#   at     timestamp(us, UTC) 1.6e15 + i * 1000003   null when i % 11 == 0
#   flag   bool i % 3 == 0                           required
#   day    date32 18000 + i % 3650                   required
def generated(path, n, reader="pyarrow"):
    import numpy as np  # pyarrow depends on numpy
    if reader == "duckdb":
        import duckdb
        table = duckdb.connect().sql("SELECT * FROM read_parquet(?)", params=[path]).arrow()
        if isinstance(table, pa.RecordBatchReader):
            table = table.read_all()
    else:
        table = pq.read_table(path)
    metadata = pq.ParquetFile(path).metadata
    codecs = sorted({metadata.row_group(g).column(c).compression for g in range(metadata.num_row_groups) for c in range(metadata.num_columns)})
    i = np.arange(n, dtype=np.int64)
    def masked(values, mask, type):
        return pa.array(values, type=type, mask=mask)
    expected = {
        "id": pa.array(i, type=pa.int64()),
        "amount": masked(i * 0.25, i % 10 == 3, pa.float64()),
        "price": masked(i * 7 - 5000, i % 13 == 0, pa.int64()),
        "label": masked(np.char.add("label-", (i % 1000).astype(str)), i % 17 == 0, pa.string()),
        "note": pa.array(np.char.add("note ", i.astype(str)), type=pa.string()),
        "at": masked(1_600_000_000_000_000 + i * 1_000_003, i % 11 == 0, pa.int64()),
        "flag": pa.array(i % 3 == 0, type=pa.bool_()),
        "day": pa.array((18000 + i % 3650).astype(np.int32), type=pa.int32()),
    }
    expected = {name: a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a for name, a in expected.items()}
    problems = []
    if table.num_rows != n:
        problems.append(f"{table.num_rows} rows, expected {n}")
    else:
        for name, want in expected.items():
            got = table.column(name).combine_chunks()
            if name == "price":
                if got.type != pa.decimal128(18, 2):
                    problems.append(f"price is {got.type}, expected decimal128(18, 2)")
                # unscaled = value * 100, exact in a double for these magnitudes
                got = pc.cast(pc.round(pc.multiply(pc.cast(got, pa.float64()), 100.0)), pa.int64())
            elif name == "at":
                got = got.cast(pa.int64())
            elif name == "day":
                got = got.cast(pa.int32())
            if not got.equals(want):
                diff = pc.invert(pc.fill_null(pc.equal(got, want), False))
                diff = pc.and_(diff, pc.invert(pc.and_(pc.is_null(got), pc.is_null(want))))
                first = pc.index(diff, True).as_py()
                problems.append(f"{name}: first difference at row {first}: {got[first]} != {want[first]}")
    print(json.dumps({"ok": not problems, "rows": table.num_rows, "problems": problems, "codecs": codecs, "reader": reader}))


if __name__ == "__main__":
    if sys.argv[1] == "dump":
        dump(sys.argv[2])
    elif sys.argv[1] == "dataset":
        dataset(sys.argv[2])
    elif sys.argv[1] == "generated":
        generated(sys.argv[2], int(sys.argv[3]), *sys.argv[4:5])
    else:
        sys.exit(f"unknown command {sys.argv[1]}")
