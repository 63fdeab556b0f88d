"""Writes N rows of the driver benchmark's shape (id, amount, price decimal(18,2), label, note,
updated_at timestamp, day date; a NULL in every tenth amount and label) as an Arrow IPC stream in
batches of 65,536 rows, the whole stream in one LZ4 frame, as Databricks compresses its batches.

Usage: write.py N PATH
"""
import sys

import lz4.frame
import pyarrow as pa
import pyarrow.compute as pc

n, path = int(sys.argv[1]), sys.argv[2]
ids = pa.array(range(n), pa.int64())
tenth = pc.equal(pc.subtract(ids, pc.multiply(pc.divide(ids, 10), 10)), 3)
amount = pc.if_else(tenth, pa.scalar(None, pa.float64()), pc.multiply(pc.cast(ids, pa.float64()), 0.25))
price = pc.cast(pc.cast(pc.multiply(ids, 7), pa.int32()), pa.decimal128(18, 2))
label = pc.if_else(tenth, pa.scalar(None, pa.string()), pc.binary_join_element_wise("label ", pc.cast(ids, pa.string()), ""))
note = pc.binary_join_element_wise("note about row ", pc.cast(ids, pa.string()), "")
updated = pc.cast(pc.add(pc.multiply(ids, 1_000_000), 1_704_067_200_000_000), pa.timestamp("us", tz="Etc/UTC"))
day = pc.cast(pc.cast(pc.add(pc.divide(ids, 1000), 19_723), pa.int32()), pa.date32())
table = pa.table({"id": ids, "amount": amount, "price": price, "label": label, "note": note, "updated_at": updated, "day": day})
sink = pa.BufferOutputStream()
with pa.ipc.new_stream(sink, table.schema) as writer:
    for batch in table.to_batches(max_chunksize=65_536):
        writer.write_batch(batch)
with open(path, "wb") as f:
    f.write(lz4.frame.compress(sink.getvalue().to_pybytes()))
