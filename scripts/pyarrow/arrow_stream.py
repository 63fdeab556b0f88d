"""Writes Arrow IPC streams for the Swift reader's tests and prints what each holds.

Usage: arrow_stream.py PATH [lz4|zstd]   writes the stream of every type to PATH (its record batch
bodies compressed buffer by buffer when a codec is named) and prints, as JSON, each
batch's columns in a canonical form the Swift test renders too: integers and decimals' unscaled
values as decimal strings, floats as the hex of their IEEE-754 double bits, dates and timestamps
as their stored integers, binaries as hex, lists as arrays, structs as objects, maps as [key,
value] pairs, nulls as null.
"""
import datetime
import decimal
import json
import struct
import sys

import pyarrow as pa


def render(array):
    t = array.type
    n = len(array)
    if pa.types.is_null(t):
        return [None] * n
    valid = array.is_valid().to_pylist()
    if pa.types.is_dictionary(t):
        values = render(array.dictionary)
        return [values[index] if ok else None for index, ok in zip(array.indices.to_pylist(), valid)]
    if pa.types.is_boolean(t) or pa.types.is_string(t) or pa.types.is_large_string(t):
        return array.to_pylist()
    if pa.types.is_integer(t):
        return [None if v is None else str(v) for v in array.to_pylist()]
    if pa.types.is_floating(t):
        return [None if v is None else struct.pack("<d", v).hex() for v in array.to_pylist()]
    if pa.types.is_decimal(t):
        with decimal.localcontext() as context:
            context.prec = 100  # the default 28 digits would round a 38-digit unscaled value
            return [None if v is None else str(int(v.scaleb(t.scale))) for v in array.to_pylist()]
    if pa.types.is_interval(t):
        return [None if v is None else f"{v.months},{v.days},{v.nanoseconds}" for v in array.to_pylist()]
    if pa.types.is_date(t) or pa.types.is_timestamp(t) or pa.types.is_time(t) or pa.types.is_duration(t):
        stored = pa.int32() if pa.types.is_date32(t) or pa.types.is_time32(t) else pa.int64()
        return [None if v is None else str(v) for v in array.view(stored).to_pylist()]
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return [None if v is None else v.hex() for v in array.to_pylist()]
    if pa.types.is_map(t):
        offsets = array.offsets.to_pylist()
        keys, items = render(array.keys), render(array.items)
        return [[[keys[j], items[j]] for j in range(offsets[i], offsets[i + 1])] if valid[i] else None for i in range(n)]
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        offsets = array.offsets.to_pylist()
        values = render(array.values)
        return [values[offsets[i]:offsets[i + 1]] if valid[i] else None for i in range(n)]
    if pa.types.is_fixed_size_list(t):
        size = t.list_size
        values = render(array.values)  # the whole child: a sliced array starts at its offset
        start = array.offset
        return [values[(start + i) * size:(start + i + 1) * size] if valid[i] else None for i in range(n)]
    if pa.types.is_struct(t):
        children = [(t.field(j).name, render(array.field(j))) for j in range(t.num_fields)]
        return [{name: child[i] for name, child in children} if valid[i] else None for i in range(n)]
    raise SystemExit(f"no rendering for {t}")


def table():
    utc = datetime.timezone.utc
    big = decimal.Decimal("12345678901234567890123456.7890123456")
    columns = {
        "i8": pa.array([-128, 127, None, 0], pa.int8()),
        "i16": pa.array([-32768, 32767, 1, None], pa.int16()),
        "i32": pa.array([-(2**31), 2**31 - 1, None, 7], pa.int32()),
        "i64": pa.array([-(2**63), 2**63 - 1, 0, None], pa.int64()),
        "u8": pa.array([0, 255, None, 1], pa.uint8()),
        "u16": pa.array([0, 65535, None, 2], pa.uint16()),
        "u32": pa.array([0, 2**32 - 1, None, 3], pa.uint32()),
        "u64": pa.array([0, 2**64 - 1, None, 4], pa.uint64()),
        "f32": pa.array([1.5, -0.0, None, float("inf")], pa.float32()),
        "f64": pa.array([0.1, float("-inf"), 5e-324, None], pa.float64()),
        "flag": pa.array([True, False, None, True], pa.bool_()),
        "text": pa.array(["", "with \"quote\"", None, "日本語 ✓"], pa.string()),
        "large_text": pa.array(["a", None, "", "z" * 300], pa.large_string()),
        "bytes": pa.array([b"", b"\x00\xff", None, b"abc"], pa.binary()),
        "large_bytes": pa.array([None, b"\x01", b"", b"\x02\x03"], pa.large_binary()),
        "fixed": pa.array([b"abcd", None, b"\x00\x00\x00\x00", b"wxyz"], pa.binary(4)),
        "amount": pa.array([decimal.Decimal("-1.5000000000"), big, None, decimal.Decimal("-99999999999999999999999999.9999999999")], pa.decimal128(38, 10)),
        "day": pa.array([datetime.date(1970, 1, 1), datetime.date(1969, 12, 31), None, datetime.date(9999, 12, 31)], pa.date32()),
        "day64": pa.array([datetime.date(2024, 2, 29), None, datetime.date(1, 1, 1), datetime.date(1970, 1, 2)], pa.date64()),
        "at": pa.array([datetime.datetime(2024, 1, 1, 12, 0, 0, 123456), None, datetime.datetime(1900, 1, 1), datetime.datetime(1970, 1, 1)], pa.timestamp("us")),
        "at_utc": pa.array([datetime.datetime(2024, 1, 1, tzinfo=utc), datetime.datetime(1969, 7, 20, 20, 17, 40, tzinfo=utc), None, datetime.datetime(2038, 1, 19, 3, 14, 8, tzinfo=utc)], pa.timestamp("us", tz="UTC")),
        "at_ms": pa.array([0, None, -1, 1700000000000], pa.timestamp("ms")),
        "nothing": pa.array([None, None, None, None], pa.null()),
        "clock_ms": pa.array([0, 86_399_999, None, 1], pa.time32("ms")),
        "clock_us": pa.array([None, 86_399_999_999, 0, 12_345], pa.time64("us")),
        "took": pa.array([-1, 0, None, 2**62], pa.duration("us")),
        "span": pa.array([pa.MonthDayNano([1, -2, 3]), None, pa.MonthDayNano([-(2**31), 2**31 - 1, -(2**63)]), pa.MonthDayNano([0, 0, 0])], pa.month_day_nano_interval()),
        "numbers": pa.array([[1, None, 3], [], None, [4]], pa.list_(pa.int32())),
        "large_numbers": pa.array([None, [1], [2, 3], []], pa.large_list(pa.int64())),
        "pairs": pa.array([[1, 2], None, [3, None], [5, 6]], pa.list_(pa.int16(), 2)),
        "person": pa.array([{"name": "a", "age": 1}, None, {"name": None, "age": 3}, {"name": "d", "age": None}], pa.struct([("name", pa.string()), ("age", pa.int64())])),
        "tags": pa.array([[("k", 1)], [], None, [("x", None), ("y", 2)]], pa.map_(pa.string(), pa.int32())),
        "nested": pa.array([[["a"], None], None, [[]], [["b", "c"]]], pa.list_(pa.list_(pa.string()))),
        "city": pa.array(["Basel", "Zürich", None, "Basel"]).dictionary_encode(),
        "code": pa.DictionaryArray.from_arrays(pa.array([0, 1, None, 2], pa.int8()), pa.array([10, None, 30], pa.int64())),
        "labels": pa.array([["x", "y"], None, [], ["x"]], pa.list_(pa.dictionary(pa.int16(), pa.string()))),
    }
    return pa.table(columns)


def main():
    path = sys.argv[1]
    data = table()
    # Three batches of different sizes and an empty one, as a stream.
    batches = data.to_batches(max_chunksize=3) + [pa.RecordBatch.from_pylist([], schema=data.schema)]
    options = pa.ipc.IpcWriteOptions(compression=sys.argv[2] if len(sys.argv) > 2 else None)
    with pa.OSFile(path, "wb") as sink, pa.ipc.new_stream(sink, data.schema, options=options) as writer:
        for batch in batches:
            writer.write_batch(batch)
    out = []
    for batch in batches:
        out.append({name: render(batch.column(i)) for i, name in enumerate(batch.schema.names)})
    json.dump({"fields": [{"name": f.name, "type": str(f.type), "nullable": f.nullable} for f in data.schema], "batches": out}, sys.stdout)


if __name__ == "__main__":
    main()
