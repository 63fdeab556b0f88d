// Parquet write benchmark: N rows of the mixed table that scripts/pyarrow/parquet_check.py
// describes (GENERATED) written in 50k-row batches; prints the writer's time (generation excluded,
// as for the pyarrow peer), rows/s, the file size and the peak RSS. The Parquet tests run it too, to
// measure the writer's memory in a process of its own.
// Usage: parquet-benchmark N none|snappy|gzip|zstd LEVEL OUTPUT [ROW_GROUP_MIB]
//   (LEVEL 0: the codec's default; ROW_GROUP_MIB: where row groups are cut, default the writer's 64)
import Foundation
import Parquet

let arguments = CommandLine.arguments
guard arguments.count == 5 || arguments.count == 6, let rows = Int(arguments[1]), let level = Int(arguments[3]),
    let codec = arguments[2] == "none" ? .uncompressed : ParquetCompression(name: arguments[2])
else {
    FileHandle.standardError.write(Data("usage: parquet-benchmark N none|snappy|gzip|zstd LEVEL OUTPUT [ROW_GROUP_MIB]\n".utf8))
    exit(2)
}
let output = arguments[4]
try? FileManager.default.removeItem(atPath: output)
var options = ParquetWriterOptions()
options.compression = codec
options.compressionLevel = level == 0 ? nil : level
options.synchronizeOnClose = false
if arguments.count == 6 {
    guard let megabytes = Int(arguments[5]), megabytes > 0 else {
        FileHandle.standardError.write(Data("ROW_GROUP_MIB must be a positive number\n".utf8))
        exit(2)
    }
    options.rowGroupBytes = megabytes << 20
}

let schema = try ParquetSchema([
    ParquetField("id", .int64, nullable: false), ParquetField("amount", .double), ParquetField("price", .decimal(precision: 18, scale: 2)),
    ParquetField("label", .string), ParquetField("note", .string, nullable: false), ParquetField("at", .timestampMicros),
    ParquetField("flag", .boolean, nullable: false), ParquetField("day", .date, nullable: false),
])

func batch(from start: Int, count: Int) -> [ParquetColumn] {
    let range = start..<(start + count)
    return [
        ParquetColumn(.int64(range.map { Int64($0) })),
        ParquetColumn(.double(range.map { Double($0) * 0.25 }), nulls: range.map { $0 % 10 == 3 }),
        ParquetColumn(.int64(range.map { Int64($0) * 7 - 5000 }), nulls: range.map { $0 % 13 == 0 }),
        ParquetColumn(.string(range.map { "label-\($0 % 1000)" }), nulls: range.map { $0 % 17 == 0 }),
        ParquetColumn(.string(range.map { "note \($0)" })),
        ParquetColumn(.int64(range.map { 1_600_000_000_000_000 + Int64($0) * 1_000_003 }), nulls: range.map { $0 % 11 == 0 }),
        ParquetColumn(.boolean(range.map { $0 % 3 == 0 })),
        ParquetColumn(.int32(range.map { Int32(18000 + $0 % 3650) })),
    ]
}

func peakResidentMiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
    else { return 0 }
    return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
}

let clock = ContinuousClock()
var writing = Duration.zero
let writer = try ParquetFileWriter(path: output, schema: schema, options: options)
var start = 0
while start < rows {
    let count = min(50_000, rows - start)
    let columns = batch(from: start, count: count)
    writing += try clock.measure { try writer.write(columns) }
    start += count
}
var summary: ParquetFileSummary?
writing += try clock.measure { summary = try writer.close() }
let seconds = Double(writing.components.seconds) + Double(writing.components.attoseconds) / 1e18
print(
    String(
        format: "swift rows=%d write_seconds=%.2f rows_per_s=%.0f bytes=%lld row_groups=%d peak_rss_mib=%d",
        rows,
        seconds,
        Double(rows) / seconds,
        summary!.byteCount,
        summary!.rowGroupCount,
        peakResidentMiB()
    )
)
