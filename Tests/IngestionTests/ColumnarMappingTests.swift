import DataLake
import DatabricksSQL
import Foundation
import Parquet
import TestSupport
import Testing

// Whole-column conversion gives exactly what value-by-value conversion gives: random batches of every
// storage the Thrift results use and of the Arrow columns Spark Connect sends, NULLs, text that does not parse, decimals that do not fit,
// required fields, mapped to every field type they convert to — the same rows kept, the same cells,
// the same rows left out with the same first fault.
@testable import Arrow
@testable import Ingestion

@Suite("Columnar mapping")
struct ColumnarMappingTests {
    /// A source column: its name, SQL type and a maker of its values (with NULLs where `nulls` says).
    static func batch(rows: Int, seed: UInt64) -> ResultBatch {
        var random = SplitMix64(seed: seed)
        func nulls() -> ([Bool], NullBitmap) {
            let share = [0, 0, 10, 50][Int.random(in: 0..<4, using: &random)]
            let flags = (0..<rows).map { _ in Int.random(in: 0..<100, using: &random) < share }
            var bytes = [UInt8](repeating: 0, count: (rows + 7) / 8)
            for (row, null) in flags.enumerated() where null { bytes[row / 8] |= 1 << UInt8(row % 8) }
            return (flags, NullBitmap(bytes: bytes))
        }
        // One batch in five has text that does not parse somewhere.
        let spoilt = Int.random(in: 0..<5, using: &random) == 0
        func text(_ make: (inout SplitMix64) -> String) -> [String] {
            (0..<rows).map { _ in spoilt && Int.random(in: 0..<40, using: &random) == 0 ? "not a value" : make(&random) }
        }
        let storages: [(String, SQLType, ColumnStorage)] = [
            ("b", .boolean, .bool((0..<rows).map { _ in Bool.random(using: &random) })),
            ("i8", .tinyint, .int8((0..<rows).map { _ in Int8.random(in: .min ... .max, using: &random) })),
            ("i16", .smallint, .int16((0..<rows).map { _ in Int16.random(in: .min ... .max, using: &random) })),
            ("i32", .int, .int32((0..<rows).map { _ in Int32.random(in: .min ... .max, using: &random) })),
            (
                "i64", .bigint,
                .int64(
                    (0..<rows).map { _ in
                        Bool.random(using: &random)
                            ? Int64.random(in: -100_000...100_000, using: &random) : Int64.random(in: .min ... .max, using: &random)
                    }
                )
            ),
            ("d", .double, .double((0..<rows).map { _ in Double.random(in: -1e6...1e6, using: &random) })),
            ("f", .float, .double((0..<rows).map { _ in Double(Float.random(in: -1e3...1e3, using: &random)) })),
            ("s", .string, .string(text { "text \(Int.random(in: 0..<1000, using: &$0))" })),
            (
                "ts", .timestamp,
                .string(
                    text {
                        "20\(Int.random(in: 10...29, using: &$0))-0\(Int.random(in: 1...9, using: &$0))-1\(Int.random(in: 0...9, using: &$0)) 12:34:56.\(Int.random(in: 100_000...999_999, using: &$0))"
                    }
                )
            ),
            (
                "day", .date,
                .string(
                    text { "19\(Int.random(in: 10...99, using: &$0))-1\(Int.random(in: 0...2, using: &$0))-2\(Int.random(in: 0...8, using: &$0))" }
                )
            ),
            (
                "dec", .decimal(precision: 12, scale: 3),
                .string(
                    text {
                        "\(Int.random(in: -99_999_999...99_999_999, using: &$0)).\(["000", "500", "123", "010"][Int.random(in: 0..<4, using: &$0)])"
                    }
                )
            ),
            ("json", .array, .string(text { "[\(Int.random(in: 0..<9, using: &$0))]" })),
        ]
        var schema: [ColumnDescriptor] = []
        var columns: [ColumnValues] = []
        for (position, (name, type, storage)) in storages.enumerated() {
            schema.append(ColumnDescriptor(name: name, type: type, position: position + 1))
            columns.append(ColumnValues(storage: storage, nulls: nulls().1))
        }
        return ResultBatch(schema: schema, columns: columns, startRowOffset: 0)
    }

    /// Every source column to every field type it converts to, some fields required.
    static let targets: [(source: String, type: DatasetFieldType)] = [
        ("b", .boolean), ("b", .string), ("i8", .byte), ("i8", .short), ("i8", .int), ("i8", .long), ("i16", .short), ("i16", .int), ("i16", .long),
        ("i16", .byte), ("i32", .int), ("i32", .long), ("i32", .double), ("i32", .short), ("i64", .long), ("i64", .double), ("i64", .int),
        ("i64", .string), ("d", .double), ("d", .float), ("d", .decimal(precision: 20, scale: 4)), ("f", .float), ("f", .double), ("s", .string),
        ("ts", .dateTime), ("ts", .date), ("ts", .string), ("day", .date), ("day", .dateTime), ("dec", .decimal(precision: 12, scale: 3)),
        ("dec", .decimal(precision: 10, scale: 2)), ("dec", .double), ("dec", .string), ("json", .string),
    ]

    /// What the old, value-by-value mapper made of a batch: the rows kept as cells, and each left-out
    /// row with the field at fault.
    static func valueByValue(
        _ batch: ResultBatch,
        fields: [DatasetField],
        sources: [String]
    ) -> (cells: [[String]], faults: [(row: Int, field: String, message: String)]) {
        var cells: [[String]] = []
        var faults: [(row: Int, field: String, message: String)] = []
        rows: for row in 0..<batch.rowCount {
            var kept: [String] = []
            for (field, source) in zip(fields, sources) {
                let column = batch.schema.firstIndex { $0.name == source }!
                switch ValueConversion.convert(batch.value(row: row, column: column), to: field.type) {
                case .success(.null) where !field.nullable:
                    faults.append((row, field.name, "is required but the source value is null"))
                    continue rows
                case .success(let value):
                    var builder = ColumnBuilder(type: field.type, capacity: 1)
                    builder.append(value)
                    kept.append(cell(builder.column, 0))
                case .failure(let failure):
                    faults.append((row, field.name, failure.message))
                    continue rows
                }
            }
            cells.append(kept)
        }
        return (cells, faults)
    }

    /// A cell's value as text, NULL as ∅ (a null row's placeholder is not part of the value).
    static func cell(_ column: ParquetColumn, _ row: Int) -> String {
        if column.nulls?[row] == true { return "∅" }
        return switch column.values {
        case .boolean(let values): "\(values[row])"
        case .int32(let values): "\(values[row])"
        case .int64(let values): "\(values[row])"
        case .float(let values): "\(values[row].bitPattern)"
        case .double(let values): "\(values[row].bitPattern)"
        case .string(let values): values[row]
        case .binary(let values): "\(values[row])"
        case .decimal(let values): "\(values[row])"
        }
    }

    /// Maps `batch` to six of `targets` (chosen by `random`, one field in three required) and compares
    /// the result with the value-by-value reference.
    static func compareWithValueByValue(_ batch: ResultBatch, targets: [(source: String, type: DatasetFieldType)], _ random: inout SplitMix64) throws
    {
        let chosen = targets.shuffled(using: &random).prefix(6)
        let fields = chosen.enumerated().map { DatasetField("f\($0.offset)", $0.element.type, nullable: Int.random(in: 0..<3, using: &random) > 0) }
        let mapper = try BatchMapper(
            mappings: chosen.enumerated().map { FieldMapping(source: $0.element.source, destination: "f\($0.offset)") },
            dataset: try DatasetSchema(fields)
        )
        let mapped = mapper.map(batch)
        let expected = valueByValue(batch, fields: fields, sources: chosen.map(\.source))
        #expect(mapped.rowCount == expected.cells.count && mapped.rejectedCount == expected.faults.count)
        #expect(mapped.columns.allSatisfy { $0.count == mapped.rowCount })
        let cells = (0..<mapped.rowCount).map { row in mapped.columns.map { cell($0, row) } }
        #expect(cells == expected.cells, "\(chosen.map { "\($0.source)→\($0.type)" })")
        let samples = expected.faults.prefix(BatchMapper.maximumSamples)
        #expect(mapped.samples.map(\.row) == samples.map(\.row))
        #expect(mapped.samples.map(\.field) == samples.map(\.field))
        #expect(mapped.samples.map(\.message) == samples.map(\.message))
    }

    @Test(arguments: 0..<60)
    func wholeColumnsConvertAsValueByValue(seed: UInt64) throws {
        var random = SplitMix64(seed: seed &* 7919)
        try Self.compareWithValueByValue(Self.batch(rows: 1 + Int.random(in: 0..<300, using: &random), seed: seed), targets: Self.targets, &random)
    }

    /// An Arrow column of `type` over `rows` values, the little-endian bytes `encode` makes, NULLs
    /// where `nulls` says.
    static func arrow(_ type: ArrowType, nulls: [Bool], values: [UInt8], offsets: [UInt8] = []) -> ArrowArray {
        var validity = [UInt8](repeating: 0, count: (nulls.count + 7) / 8)
        for (row, null) in nulls.enumerated() where !null { validity[row / 8] |= 1 << UInt8(row % 8) }
        return ArrowArray(
            field: ArrowField(name: "c", type: type),
            length: nulls.count,
            nullCount: nulls.filter { $0 }.count,
            validity: nulls.contains(true) ? validity[...] : nil,
            values: values[...],
            offsets: offsets[...],
            children: [],
            dictionary: []
        )
    }

    static func bytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.littleEndian, Array.init) }
    }

    /// A batch of Arrow columns as Spark Connect sends them, with the SQL types the schema names.
    static func arrowBatch(rows: Int, seed: UInt64) -> ResultBatch {
        var random = SplitMix64(seed: seed)
        func nulls() -> [Bool] {
            let share = [0, 0, 10, 50][Int.random(in: 0..<4, using: &random)]
            return (0..<rows).map { _ in Int.random(in: 0..<100, using: &random) < share }
        }
        // Decimals small enough for an exact double, and now and then one that is not (2^53 and beyond).
        let decimals: [Int128] = (0..<rows).map { _ in
            Int.random(in: 0..<50, using: &random) == 0
                ? Int128(Int64.random(in: (1 << 53)...(1 << 62), using: &random)) : Int128(Int64.random(in: -(1 << 50)...(1 << 50), using: &random))
        }
        let texts = (0..<rows).map { _ in "text \(Int.random(in: 0..<1000, using: &random))" }
        var offsets: [Int32] = [0]
        for text in texts { offsets.append(offsets.last! + Int32(text.utf8.count)) }
        let columns: [(String, SQLType, ArrowArray)] = [
            ("b", .boolean, arrow(.bool, nulls: nulls(), values: (0..<((rows + 7) / 8)).map { _ in UInt8.random(in: 0...255, using: &random) })),
            (
                "i8", .tinyint,
                arrow(
                    .int(bitWidth: 8, signed: true),
                    nulls: nulls(),
                    values: bytes((0..<rows).map { _ in Int8.random(in: .min ... .max, using: &random) })
                )
            ),
            (
                "i16", .smallint,
                arrow(
                    .int(bitWidth: 16, signed: true),
                    nulls: nulls(),
                    values: bytes((0..<rows).map { _ in Int16.random(in: .min ... .max, using: &random) })
                )
            ),
            (
                "i32", .int,
                arrow(
                    .int(bitWidth: 32, signed: true),
                    nulls: nulls(),
                    values: bytes((0..<rows).map { _ in Int32.random(in: .min ... .max, using: &random) })
                )
            ),
            (
                "i64", .bigint,
                arrow(
                    .int(bitWidth: 64, signed: true),
                    nulls: nulls(),
                    values: bytes((0..<rows).map { _ in Int64.random(in: -100_000...100_000, using: &random) })
                )
            ),
            (
                "d", .double,
                arrow(.float64, nulls: nulls(), values: bytes((0..<rows).map { _ in Double.random(in: -1e6...1e6, using: &random).bitPattern }))
            ),
            ("s", .string, arrow(.utf8, nulls: nulls(), values: Array(texts.joined().utf8), offsets: bytes(offsets))),
            (
                "ts", .timestamp,
                arrow(
                    .timestamp(.microsecond, timezone: "UTC"),
                    nulls: nulls(),
                    values: bytes((0..<rows).map { _ in Int64.random(in: -1 << 50...1 << 50, using: &random) })
                )
            ),
            (
                "day", .date,
                arrow(.date32, nulls: nulls(), values: bytes((0..<rows).map { _ in Int32.random(in: -100_000...100_000, using: &random) }))
            ),
            (
                "dec", .decimal(precision: 38, scale: 4),
                arrow(
                    .decimal(precision: 38, scale: 4),
                    nulls: nulls(),
                    values: bytes(decimals.flatMap { [UInt64(truncatingIfNeeded: $0), UInt64(truncatingIfNeeded: $0 >> 64)] })
                )
            ),
            ("json", .array, arrow(.utf8, nulls: nulls(), values: Array(texts.joined().utf8), offsets: bytes(offsets))),
        ]
        return ResultBatch(
            schema: columns.enumerated().map { ColumnDescriptor(name: $0.element.0, type: $0.element.1, position: $0.offset + 1) },
            columns: columns.map { ColumnValues(storage: .arrow($0.2), nulls: NullBitmap(bytes: [])) },
            startRowOffset: 0
        )
    }

    static let arrowTargets: [(source: String, type: DatasetFieldType)] = [
        ("b", .boolean), ("b", .string), ("i8", .byte), ("i8", .int), ("i8", .long), ("i16", .short), ("i16", .long), ("i16", .byte), ("i32", .int),
        ("i32", .long), ("i32", .double), ("i32", .short), ("i64", .long), ("i64", .double), ("i64", .int), ("d", .double), ("d", .float),
        ("s", .string), ("s", .long), ("ts", .dateTime), ("ts", .date), ("ts", .string), ("day", .date), ("day", .dateTime),
        ("dec", .decimal(precision: 38, scale: 4)), ("dec", .decimal(precision: 18, scale: 2)), ("dec", .double), ("dec", .float), ("dec", .string),
        ("json", .string),
    ]

    @Test(arguments: 0..<60)
    func wholeArrowColumnsConvertAsValueByValue(seed: UInt64) throws {
        var random = SplitMix64(seed: seed &* 104_729)
        try Self.compareWithValueByValue(
            Self.arrowBatch(rows: 1 + Int.random(in: 0..<300, using: &random), seed: seed),
            targets: Self.arrowTargets,
            &random
        )
    }

    @Test func renamesAndWideningsTakeTheWholeColumnAndFailableCastsDoNot() {
        let batch = Self.batch(rows: 10, seed: 1)
        func whole(_ source: String, _ target: DatasetFieldType) -> Bool {
            let column = batch.schema.firstIndex { $0.name == source }!
            return ColumnConversion.convert(batch.columns[column], type: batch.schema[column].type, to: target) != nil
        }
        #expect(
            whole("i64", .long) && whole("i32", .long) && whole("s", .string) && whole("d", .double) && whole("ts", .dateTime)
                && whole("dec", .decimal(precision: 12, scale: 3))
        )
        #expect(!whole("i64", .int), "a narrowing is checked value by value")
        #expect(!whole("f", .float) && !whole("s", .long))

        // The Arrow columns Spark Connect sends: renames, timestamps and decimals whole.
        let arrow = Self.arrowBatch(rows: 10, seed: 1)
        func wholeArrow(_ source: String, _ target: DatasetFieldType) -> Bool {
            let column = arrow.schema.firstIndex { $0.name == source }!
            return ColumnConversion.convert(arrow.columns[column], type: arrow.schema[column].type, to: target) != nil
        }
        #expect(
            wholeArrow("i64", .long) && wholeArrow("i32", .int) && wholeArrow("d", .double) && wholeArrow("s", .string) && wholeArrow("ts", .dateTime)
        )
        #expect(wholeArrow("day", .date) && wholeArrow("b", .boolean) && wholeArrow("dec", .decimal(precision: 38, scale: 4)))
        #expect(!wholeArrow("i64", .int) && !wholeArrow("dec", .decimal(precision: 18, scale: 2)) && !wholeArrow("s", .long))
    }
}
