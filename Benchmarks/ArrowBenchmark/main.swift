// Reads an LZ4-framed Arrow IPC stream as the Databricks driver does: decompress the frame, read
// the stream, and touch every value (sums of the integers, doubles and decimals' low words, total
// text length, NULL count), several times; prints rows/s for the fastest pass and what it summed,
// so the peer's figures can be checked against the same numbers.
// Usage: arrow-benchmark FILE.arrows.lz4 [PASSES]
import Arrow
import Foundation

let arguments = CommandLine.arguments
guard arguments.count >= 2, let data = FileManager.default.contents(atPath: arguments[1]) else {
    FileHandle.standardError.write(Data("usage: arrow-benchmark FILE.arrows.lz4 [PASSES]\n".utf8))
    exit(2)
}
let passes = arguments.count > 2 ? Int(arguments[2]) ?? 3 : 3
let compressed = [UInt8](data)
var best = Double.infinity
var summary = ""
for _ in 0..<passes {
    let start = ContinuousClock.now
    let stream = try LZ4Frame.decompress(compressed)
    let decompressed = ContinuousClock.now
    var reader = ArrowStreamReader()
    var rows = 0
    var integers: Int64 = 0
    var doubles = 0.0
    var textBytes = 0
    var nulls = 0
    for batch in try reader.read(stream) {
        rows += batch.length
        for column in batch.columns {
            for index in 0..<column.length {
                if column.isNull(index) {
                    nulls += 1
                    continue
                }
                switch column.type {
                case .int, .date32, .timestamp: integers &+= column.int64(index)
                case .float64: doubles += column.double(index)
                case .decimal: integers &+= Int64(truncatingIfNeeded: column.decimal128(index).low)
                case .utf8: textBytes += column.bytes(index).count
                default: break
                }
            }
        }
    }
    let end = ContinuousClock.now
    let seconds = Double((end - start).components.attoseconds) / 1e18 + Double((end - start).components.seconds)
    if seconds < best {
        best = seconds
        let lz4 = decompressed - start
        let lz4Seconds = Double(lz4.components.attoseconds) / 1e18 + Double(lz4.components.seconds)
        summary = String(
            format: "rows=%d seconds=%.3f lz4_seconds=%.3f rows_per_s=%.0f integers=%lld doubles=%.3f text_bytes=%d nulls=%d",
            rows,
            seconds,
            lz4Seconds,
            Double(rows) / seconds,
            integers,
            doubles,
            textBytes,
            nulls
        )
    }
}
print("tributary: \(summary)")
