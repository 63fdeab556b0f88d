// Files the writer makes, read back by pyarrow value by value: every type with nulls and edge
// values, empty and one-row files, many row groups, dictionaries that overflow, large files.
import Foundation
import Parquet
import Testing

@Suite("Parquet files read back by pyarrow", .enabled(if: PyArrow.isAvailable, PyArrow.skip))
struct ParquetRoundTripTests {
    static let everyType = try! ParquetSchema([
        ParquetField("b", .boolean), ParquetField("i8", .int8), ParquetField("i16", .int16), ParquetField("i32", .int32),
        ParquetField("i64", .int64), ParquetField("f", .float), ParquetField("d", .double), ParquetField("s", .string),
        ParquetField("bin", .binary), ParquetField("d9", .decimal(precision: 9, scale: 2)), ParquetField("d18", .decimal(precision: 18, scale: 4)),
        ParquetField("d38", .decimal(precision: 38, scale: 10)), ParquetField("day", .date), ParquetField("ts", .timestampMicros),
        ParquetField("req", .int64, nullable: false),
    ])

    static let maxDecimal38 = Int128("99999999999999999999999999999999999999")!

    static func everyTypeBatch() -> [ParquetColumn] {
        let nulls = [false, false, false, true]
        return [
            ParquetColumn(.boolean([true, false, true, false]), nulls: nulls),
            ParquetColumn(.int32([-128, 127, 0, 0]), nulls: nulls),
            ParquetColumn(.int32([-32768, 32767, 0, 0]), nulls: nulls),
            ParquetColumn(.int32([.min, .max, 0, 0]), nulls: nulls),
            ParquetColumn(.int64([.min, .max, 0, 0]), nulls: nulls),
            ParquetColumn(.float([-Float.greatestFiniteMagnitude, 0.1, .infinity, 0]), nulls: nulls),
            ParquetColumn(.double([.leastNonzeroMagnitude, -1.7976931348623157e308, .nan, 0]), nulls: nulls),
            ParquetColumn(.string(["ünï'cødé 🚀", "", "tab\tnew\nline\u{0}nul", "x"]), nulls: nulls),
            ParquetColumn(.binary([[0, 255], [], [1, 2, 3], [9]]), nulls: nulls),
            ParquetColumn(.int32([-999_999_999, 999_999_999, 5, 0]), nulls: nulls),
            ParquetColumn(.int64([-999_999_999_999_999_999, 1, 123_456_789, 0]), nulls: nulls),
            ParquetColumn(.decimal([-maxDecimal38, maxDecimal38, 1, 0]), nulls: nulls),
            ParquetColumn(.int32([-719_162, 2_932_896, 0, 0]), nulls: nulls),
            ParquetColumn(.int64([-62_135_596_800_000_000, 253_402_300_799_999_999, -1, 0]), nulls: nulls),
            ParquetColumn(.int64([1, 2, 3, 4])),
        ]
    }

    @Test(arguments: ParquetCompression.allCases)
    func everyTypeRoundTripsWithNullsAndEdgeValues(_ compression: ParquetCompression) async throws {
        let directory = try temporaryDirectory()
        let path = directory.appendingPathComponent("types.parquet").path
        var options = ParquetWriterOptions()
        options.compression = compression
        let writer = try ParquetFileWriter(path: path, schema: Self.everyType, options: options)
        try writer.write(Self.everyTypeBatch())
        let summary = try writer.close()
        #expect(summary.rowCount == 4 && summary.rowGroupCount == 1)

        let (schema, rows, _) = try await PyArrow.dump(path)
        #expect(
            schema.map { $0["type"] as? String } == [
                "bool", "int8", "int16", "int32", "int64", "float", "double", "string", "binary", "decimal128(9, 2)", "decimal128(18, 4)",
                "decimal128(38, 10)", "date32[day]", "timestamp[us, tz=UTC]", "int64",
            ]
        )
        #expect(schema.map { $0["nullable"] as? Bool } == Array(repeating: true, count: 14) + [false])
        let expected: [[Any?]] = [
            [
                true, -128, -32768, Int(Int32.min), Int.min, -3.4028234663852886e38, Double.leastNonzeroMagnitude, "ünï'cødé 🚀", "AP8=",
                "-9999999.99",
                "-99999999999999.9999", "-9999999999999999999999999999.9999999999", "0001-01-01", -62_135_596_800_000_000, 1,
            ],
            [
                false, 127, 32767, Int(Int32.max), Int.max, 0.10000000149011612, -1.7976931348623157e308, "", "", "9999999.99",
                "0.0001", "9999999999999999999999999999.9999999999", "9999-12-31", 253_402_300_799_999_999, 2,
            ],
            [true, 0, 0, 0, 0, "inf", "nan", "tab\tnew\nline\u{0}nul", "AQID", "0.05", "12345.6789", "1E-10", "1970-01-01", -1, 3],
            [nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, 4],
        ]
        #expect(rows.count == 4)
        for (row, want) in zip(rows, expected) {
            #expect(row.count == want.count)
            for (column, (got, value)) in zip(row, want).enumerated() {
                #expect(
                    Self.same(got, value),
                    "row \(rows.firstIndex { ($0 as NSArray) == (row as NSArray) } ?? -1) column \(Self.everyType.fields[column].name): \(got) vs \(String(describing: value))"
                )
            }
        }
        let info = try ParquetFileInfo.read(path: path)
        #expect(info.rowCount == 4 && info.rowGroupRowCounts == [4] && info.createdBy == ParquetFileWriter.createdBy)
        #expect(
            info.columns.map(\.logicalType) == [
                nil, "INT(8)", "INT(16)", nil, nil, nil, nil, "STRING", nil, "DECIMAL(9,2)", "DECIMAL(18,4)", "DECIMAL(38,10)", "DATE",
                "TIMESTAMP(MICROS,UTC)", nil,
            ]
        )
        #expect(
            info.columns.map(\.physicalType) == [
                "BOOLEAN", "INT32", "INT32", "INT32", "INT64", "FLOAT", "DOUBLE", "BYTE_ARRAY", "BYTE_ARRAY", "INT32", "INT64",
                "FIXED_LEN_BYTE_ARRAY", "INT32", "INT64", "INT64",
            ]
        )
    }

    /// JSON from pyarrow against an expected value (numbers compared numerically, NSNull for nil).
    static func same(_ got: Any, _ want: Any?) -> Bool {
        switch want {
        case nil: return got is NSNull
        case let text as String: return (got as? String) == text
        case let flag as Bool: return (got as? Bool) == flag && !(got is Int && !(got is Bool))
        case let number as Int: return (got as? NSNumber)?.int64Value == Int64(number) && !(got is String)
        case let number as Double:
            // JSON text → NSNumber may round in the last place.
            guard let value = (got as? NSNumber)?.doubleValue else { return false }
            return value == number || abs(value - number) <= abs(number) * 1e-15
        default: return false
        }
    }

    @Test func emptyAndOneRowFilesAreValid() async throws {
        let directory = try temporaryDirectory()
        let empty = directory.appendingPathComponent("empty.parquet").path
        let writer = try ParquetFileWriter(path: empty, schema: GeneratedTable.schema)
        #expect(try writer.close().rowCount == 0)
        let (schema, rows, groups) = try await PyArrow.dump(empty)
        #expect(schema.count == 8 && rows.isEmpty && groups == 0)
        #expect(try ParquetFileInfo.read(path: empty).rowCount == 0)

        let one = directory.appendingPathComponent("one.parquet").path
        _ = try GeneratedTable.write(to: one, rows: 1)
        let result = try await PyArrow.run(["generated", one, "1"])
        #expect(result["ok"] as? Bool == true, "\(result)")
    }

    @Test func manyRowGroupsAndAnOverflowingDictionary() async throws {
        let directory = try temporaryDirectory()
        let path = directory.appendingPathComponent("groups.parquet").path
        var options = ParquetWriterOptions()
        options.rowGroupBytes = 512 << 10
        options.pageBytes = 64 << 10
        options.dictionaryBytes = 32 << 10  // "note" is unique: its dictionary overflows in every row group
        let summary = try GeneratedTable.write(to: path, rows: 250_000, batchSize: 7_777, options: options)
        #expect(summary.rowCount == 250_000 && summary.rowGroupCount > 3)
        let result = try await PyArrow.run(["generated", path, "250000"])
        #expect(result["ok"] as? Bool == true, "\(result)")
        let info = try ParquetFileInfo.read(path: path)
        #expect(info.rowGroupRowCounts.count == summary.rowGroupCount && info.rowGroupRowCounts.reduce(0, +) == 250_000)
        #expect(info.columns.map(\.name) == GeneratedTable.schema.fields.map(\.name))
        #expect(info.columns.map(\.nullable) == GeneratedTable.schema.fields.map(\.nullable))
    }

    @Test func everyCodecHoldsTheSameRowsForPyArrowAndDuckDB() async throws {
        let directory = try temporaryDirectory()
        var sizes: [ParquetCompression: Int64] = [:]
        for compression in ParquetCompression.allCases {
            let path = directory.appendingPathComponent("\(compression).parquet").path
            var options = ParquetWriterOptions()
            options.compression = compression
            sizes[compression] = try GeneratedTable.write(to: path, rows: 100_000, options: options).byteCount
            #expect(try ParquetFileInfo.read(path: path).codecs == [compression], "the footer reader sees the codec")
            for reader in ["pyarrow", "duckdb"] {
                let result = try await PyArrow.run(["generated", path, "100000", reader])
                #expect(result["ok"] as? Bool == true, "\(compression) read by \(reader): \(result)")
                #expect(result["codecs"] as? [String] == [compression.name], "\(compression): \(result)")
            }
        }
        let plain = sizes[.uncompressed] ?? 0
        #expect(sizes[.gzip]! < plain / 2 && sizes[.zstd]! < plain / 2, "GZIP and ZSTD halve the file at least: \(sizes)")
        #expect(sizes[.snappy]! < plain, "SNAPPY shrinks it: \(sizes)")
    }

    @Test func zstdLevelsAreHonoured() async throws {
        let directory = try temporaryDirectory()
        var sizes: [Int: Int64] = [:]
        for level in [-5, 1, 3] {
            let path = directory.appendingPathComponent("zstd-\(level).parquet").path
            var options = ParquetWriterOptions()
            options.compression = .zstd
            options.compressionLevel = level
            sizes[level] = try GeneratedTable.write(to: path, rows: 50_000, options: options).byteCount
            let result = try await PyArrow.run(["generated", path, "50000"])
            #expect(result["ok"] as? Bool == true, "level \(level): \(result)")
        }
        // Higher levels are not always smaller on pages this size (19 wrote more than 3 here).
        #expect(sizes[-5]! > sizes[1]! && sizes[1]! > sizes[3]!, "the level is honoured: \(sizes)")
    }
}
