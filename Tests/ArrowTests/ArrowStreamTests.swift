// The Arrow IPC stream reader against pyarrow: every type pyarrow writes for Spark's columns, with
// NULLs and edge values, in several batches and an empty one, reads back value by value; and no
// corruption of a stream's bytes makes the reader crash or read outside them.
import Arrow
import Foundation
import TestSupport
import Testing

enum PyArrowStreams {
    static let python = ProcessInfo.processInfo.environment["TRIBUTARY_PYARROW_PYTHON"]
    static let skip = Comment(rawValue: "TRIBUTARY_PYARROW_PYTHON is not set: install pyarrow with scripts/pyarrow/install.sh or run scripts/test.sh")
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../scripts/pyarrow/arrow_stream.py").standardized.path

    /// Writes the stream of every type (its bodies compressed by `codec`, if any) and returns its
    /// bytes and what pyarrow says each batch holds.
    static func write(compression codec: String? = nil) async throws -> (stream: [UInt8], expected: Any) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("arrow-\(UUID().uuidString).arrows").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let written = try await runToEnd(python!, [script, path] + (codec.map { [$0] } ?? []))
        #expect(written.status == 0, "\(written.errors)")
        let data = written.output
        return (Array(try Data(contentsOf: URL(fileURLWithPath: path))), try JSONSerialization.jsonObject(with: data))
    }
}

/// A value in the canonical form the script prints.
indirect enum Canonical: Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case text(String)
    case array([Canonical])
    case object([String: Canonical])

    init(json: Any) {
        switch json {
        case is NSNull: self = .null
        case let text as String: self = .text(text)
        case let flag as Bool: self = .bool(flag)
        case let items as [Any]: self = .array(items.map(Canonical.init(json:)))
        case let members as [String: Any]: self = .object(members.mapValues(Canonical.init(json:)))
        default: self = .text("unexpected \(json)")
        }
    }

    /// The value at `index` of `array`, as the script renders it.
    init(_ array: ArrowArray, _ index: Int) {
        guard !array.isNull(index) else {
            self = .null
            return
        }
        func hex(_ bytes: some Sequence<UInt8>) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
        switch array.type {
        case .null: self = .null
        case .bool: self = .bool(array.bool(index))
        case .int(64, false): self = .text(String(array.uint64(index)))
        case .int, .date32, .date64, .timestamp, .time, .duration, .interval(.yearMonth): self = .text(String(array.int64(index)))
        case .interval(.dayTime):
            let (days, milliseconds) = array.intervalDayTime(index)
            self = .text("0,\(days),\(Int64(milliseconds) * 1_000_000)")
        case .interval(.monthDayNano):
            let (months, days, nanoseconds) = array.intervalMonthDayNano(index)
            self = .text("\(months),\(days),\(nanoseconds)")
        case .float32, .float64: self = .text(hex(withUnsafeBytes(of: array.double(index).bitPattern.littleEndian) { Array($0) }))
        case .decimal:
            let (high, low) = array.decimal128(index)
            self = .text(String(Int128(high) << 64 | Int128(low)))
        case .utf8, .largeUtf8: self = .text(array.string(index))
        case .binary, .largeBinary, .fixedSizeBinary: self = .text(hex(array.bytes(index)))
        case .list, .largeList, .fixedSizeList: self = .array(array.range(index).map { Canonical(array.children[0], $0) })
        case .map:
            let entries = array.children[0]
            self = .array(array.range(index).map { .array([Canonical(entries.children[0], $0), Canonical(entries.children[1], $0)]) })
        case .struct:
            self = .object(Dictionary(uniqueKeysWithValues: zip(array.field.children, array.children).map { ($0.name, Canonical($1, index)) }))
        }
    }

    var description: String {
        switch self {
        case .null: "null"
        case .bool(let flag): "\(flag)"
        case .text(let text): "\"\(text)\""
        case .array(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .object(let members): "{" + members.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        }
    }
}

@Suite("Arrow IPC streams", .enabled(if: PyArrowStreams.python != nil, PyArrowStreams.skip))
struct ArrowStreamTests {
    @Test(arguments: [nil, "lz4"])
    func everyTypeReadsBackAsPyArrowWroteIt(compression: String?) async throws {
        let (stream, expected) = try await PyArrowStreams.write(compression: compression)
        let document = try #require(expected as? [String: Any])
        let expectedBatches = try #require(document["batches"] as? [[String: Any]])
        var reader = ArrowStreamReader()
        let batches = try reader.read(stream)
        #expect(reader.ended)
        let schema = try #require(reader.schema)
        #expect(schema.fields.count == 36)
        #expect(schema.fields.first { $0.name == "at_utc" }?.type == .timestamp(.microsecond, timezone: "UTC"))
        #expect(schema.fields.first { $0.name == "amount" }?.type == .decimal(precision: 38, scale: 10))
        #expect(batches.map(\.length) == [3, 1, 0])
        #expect(schema.fields.first { $0.name == "code" }?.dictionary?.indexType == .int(bitWidth: 8, signed: true))
        try #require(batches.count == expectedBatches.count)
        for (batch, expectedColumns) in zip(batches, expectedBatches) {
            for (field, column) in zip(schema.fields, batch.columns) {
                let wanted = Canonical(json: expectedColumns[field.name] ?? NSNull())
                let read = Canonical.array((0..<column.length).map { Canonical(column, $0) })
                #expect(read == wanted, "\(field.name): read \(read), pyarrow wrote \(wanted)")
                // Whole-column reads give what the per-value accessors give (dictionary columns too).
                let rows = 0..<column.length
                let flags = rows.map(column.isNull)
                #expect(column.nullFlags() == (flags.contains(true) ? flags : nil), "\(field.name)")
                switch column.type {
                case .int, .date32, .date64, .timestamp, .time, .duration, .interval(.yearMonth):
                    #expect(column.int64Values() == rows.map(column.int64), "\(field.name)")
                case .float32, .float64:
                    #expect(column.doubleValues().map(\.bitPattern) == rows.map { column.double($0).bitPattern }, "\(field.name)")
                case .decimal:
                    #expect(column.unscaledDecimals() == rows.map(column.unscaledDecimal), "\(field.name)")
                default:
                    break
                }
            }
        }
    }

    @Test func noCorruptionOfTheBytesCrashesTheReader() async throws {
        let (stream, _) = try await PyArrowStreams.write()
        var generator = SplitMix64(seed: 0x7269_6275_7461_7279)
        var refused = 0
        for round in 0..<3000 {
            var bytes = stream
            if round % 10 == 0 {
                bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count))))
            } else {
                for _ in 0...(round % 4) {
                    bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
                }
            }
            var reader = ArrowStreamReader()
            do {
                // Whatever is read must be readable to the last value.
                for batch in try reader.read(bytes) {
                    for column in batch.columns {
                        for index in 0..<column.length { _ = Canonical(column, index) }
                    }
                }
            } catch {
                refused += 1
            }
        }
        #expect(refused > 1000, "most corruptions are found: \(refused) of 3000")
    }

    @Test func readingPastABufferTrapsInsteadOfReadingOtherMemory() async throws {
        await #expect(processExitsWith: .failure) {
            let (stream, _) = try await PyArrowStreams.write()
            var reader = ArrowStreamReader()
            let batch = try #require(try reader.read(stream).first)
            let narrow = try #require(batch.columns.first { $0.type == .int(bitWidth: 8, signed: true) })
            _ = narrow.double(narrow.length - 1)  // 8 bytes read where each value has 1
        }
    }

    @Test func aBatchBeforeItsSchemaAndTrailingBytesAreRefused() async throws {
        let (stream, _) = try await PyArrowStreams.write()
        var reader = ArrowStreamReader()
        _ = try reader.read(stream)
        let schema = try #require(reader.schema)
        // The same batches read by a reader given the schema, as the Databricks protocol sends them.
        var messages = stream
        // The schema message is the first: skip it by its length.
        let metadataLength = Int(messages[4]) | Int(messages[5]) << 8 | Int(messages[6]) << 16 | Int(messages[7]) << 24
        messages.removeFirst(8 + metadataLength)
        var given = ArrowStreamReader(schema: schema)
        #expect(try given.read(messages).map(\.length) == [3, 1, 0])
        var blind = ArrowStreamReader()
        #expect(throws: ArrowError.malformed("a dictionary batch before the schema")) { try blind.read(messages) }
        let (zstd, _) = try await PyArrowStreams.write(compression: "zstd")
        var reader2 = ArrowStreamReader()
        #expect(throws: ArrowError.unsupported("ZSTD-compressed record batch bodies (LZ4 frames and uncompressed bodies are read)")) {
            try reader2.read(zstd)
        }
        var ended = ArrowStreamReader()
        #expect(throws: ArrowError.malformed("bytes after the end of the stream")) { try ended.read(stream + [0xFF, 0xFF, 0xFF, 0xFF]) }
    }
}
