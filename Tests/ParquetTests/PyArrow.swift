// pyarrow, installed by scripts/pyarrow/install.sh (TRIBUTARY_PYARROW_PYTHON), reading back what
// the writer made; and the generated table that large-file tests and Python agree on.
import Foundation
import Parquet
import TestSupport
import Testing

enum PyArrow {
    static let python = ProcessInfo.processInfo.environment["TRIBUTARY_PYARROW_PYTHON"]
    static var isAvailable: Bool { python != nil }
    static let skip = Comment(rawValue: "TRIBUTARY_PYARROW_PYTHON is not set: install pyarrow with scripts/pyarrow/install.sh or run scripts/test.sh")
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/pyarrow/parquet_check.py")
        .standardized.path

    /// Runs the check script (waited for off the cooperative pool) and parses its JSON output.
    static func run(_ arguments: [String]) async throws -> [String: Any] {
        let read = try await runToEnd(python!, [script] + arguments)
        guard read.status == 0 else { throw PyArrowFailure(message: read.errors) }
        return try JSONSerialization.jsonObject(with: read.output) as? [String: Any] ?? [:]
    }

    static func dump(_ path: String) async throws -> (schema: [[String: Any]], rows: [[Any]], rowGroups: Int) {
        let result = try await run(["dump", path])
        return (result["schema"] as? [[String: Any]] ?? [], result["rows"] as? [[Any]] ?? [], result["row_groups"] as? Int ?? -1)
    }
}

struct PyArrowFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { "pyarrow failed: \(message)" }
}

/// A temporary directory for one test's files.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("parquet-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The table described in scripts/pyarrow/parquet_check.py (GENERATED).
enum GeneratedTable {
    static let schema = try! ParquetSchema([
        ParquetField("id", .int64, nullable: false), ParquetField("amount", .double), ParquetField("price", .decimal(precision: 18, scale: 2)),
        ParquetField("label", .string), ParquetField("note", .string, nullable: false), ParquetField("at", .timestampMicros),
        ParquetField("flag", .boolean, nullable: false), ParquetField("day", .date, nullable: false),
    ])

    static func batch(from start: Int, count: Int) -> [ParquetColumn] {
        let rows = start..<(start + count)
        return [
            ParquetColumn(.int64(rows.map { Int64($0) })),
            ParquetColumn(.double(rows.map { Double($0) * 0.25 }), nulls: rows.map { $0 % 10 == 3 }),
            ParquetColumn(.int64(rows.map { Int64($0) * 7 - 5000 }), nulls: rows.map { $0 % 13 == 0 }),
            ParquetColumn(.string(rows.map { "label-\($0 % 1000)" }), nulls: rows.map { $0 % 17 == 0 }),
            ParquetColumn(.string(rows.map { "note \($0)" })),
            ParquetColumn(.int64(rows.map { 1_600_000_000_000_000 + Int64($0) * 1_000_003 }), nulls: rows.map { $0 % 11 == 0 }),
            ParquetColumn(.boolean(rows.map { $0 % 3 == 0 })),
            ParquetColumn(.int32(rows.map { Int32(18000 + $0 % 3650) })),
        ]
    }

    /// Writes `rows` rows in batches of `batchSize`.
    static func write(
        to path: String,
        rows: Int,
        batchSize: Int = 50_000,
        options: ParquetWriterOptions = ParquetWriterOptions()
    ) throws -> ParquetFileSummary {
        let writer = try ParquetFileWriter(path: path, schema: schema, options: options)
        var start = 0
        while start < rows {
            let count = min(batchSize, rows - start)
            try writer.write(batch(from: start, count: count))
            start += count
        }
        return try writer.close()
    }
}
