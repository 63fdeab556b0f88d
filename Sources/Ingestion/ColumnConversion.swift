// A source column converted whole where its storage already is the field's type, or becomes it
// without a per-value check that could fail: renames and widenings copy or map an array, timestamp
// and decimal text is parsed in one pass, Arrow decimals become doubles by one exact division. The values are exactly those value-by-value conversion
// (``ValueConversion``) gives; a column it cannot take whole — a cast that may fail for a value, a
// text that does not parse — goes back to value-by-value, which reports the rows at fault.
import Arrow
import DataLake
import DatabricksSQL
import Parquet

/// A whole column ready for a dataset field: one entry per source row (an entry at a null row is a
/// placeholder), and which rows are null.
struct ConvertedColumn {
    var values: ParquetValues
    var nulls: [Bool]?
}

enum ColumnConversion {
    /// `column`, of SQL type `type`, as a `target` column; `nil` when it is converted value by value.
    static func convert(_ column: ColumnValues, type: SQLType, to target: DatasetFieldType) -> ConvertedColumn? {
        if case .arrow(let array) = column.storage { return convert(array, type: type, to: target) }
        let nulls = column.nulls.hasNulls ? (0..<column.count).map(column.nulls.isNull) : nil
        let values: ParquetValues? =
            switch (column.storage, target) {
            case (.bool(let values), .boolean): .boolean(values)
            case (.int64(let values), .long): .int64(values)
            case (.int64(let values), .double): .double(values.map(Double.init))
            case (.int32(let values), .int): .int32(values)
            case (.int32(let values), .long): .int64(values.map(Int64.init))
            case (.int32(let values), .double): .double(values.map(Double.init))
            case (.int16(let values), .short), (.int16(let values), .int): .int32(values.map(Int32.init))
            case (.int16(let values), .long): .int64(values.map(Int64.init))
            case (.int8(let values), .byte), (.int8(let values), .short), (.int8(let values), .int): .int32(values.map(Int32.init))
            case (.int8(let values), .long): .int64(values.map(Int64.init))
            // (A FLOAT column arrives widened too; its value-by-value path goes through its text.)
            case (.double(let values), .double) where type == .double: .double(values)
            case (.string(let values), .string) where type.arrivesAsItsText: .string(values)
            case (.string(let values), .dateTime) where type == .timestamp:
                parsed(values, nulls) { SQLDateParsing.microseconds($0) }.map(ParquetValues.int64)
            case (.string(let values), .date) where type == .date:
                parsed(values, nulls) { SQLDateParsing.days($0) }.map(ParquetValues.int32)
            case (.string(let values), .double), (.string(let values), .float):
                if case .decimal = type {
                    parsed(values, nulls) { Double($0) }.map { target == .float ? .float($0.map(Float.init)) : .double($0) }
                } else {
                    nil
                }
            case (.string(let values), .decimal(let precision, let scale)):
                if case .decimal = type {
                    parsed(values, nulls) { ValueConversion.unscaled($0, precision: precision, scale: scale) }.map(ParquetValues.decimal)
                } else {
                    nil
                }
            default: nil
            }
        return values.map { ConvertedColumn(values: $0, nulls: nulls) }
    }

    /// Every non-null text parsed, or `nil` when one does not parse.
    private static func parsed<T: Numeric>(_ texts: [String], _ nulls: [Bool]?, _ parse: (String) -> T?) -> [T]? {
        var values: [T] = []
        values.reserveCapacity(texts.count)
        for index in texts.indices {
            if nulls?[index] == true {
                values.append(0)
                continue
            }
            guard let value = parse(texts[index]) else { return nil }
            values.append(value)
        }
        return values
    }

    /// An Arrow column (Spark Connect, Databricks Arrow results) as `target`.
    static func convert(_ array: ArrowArray, type: SQLType, to target: DatasetFieldType) -> ConvertedColumn? {
        let rows = 0..<array.length
        // Whole columns read in one pass each (the per-value accessors' values, without a call per value).
        let nulls = array.nullFlags()
        let values: ParquetValues? =
            switch (array.type, target) {
            case (.bool, .boolean): .boolean(rows.map(array.bool))
            case (.int(64, true), .long): .int64(array.int64Values())
            case (.int(let width, true), .long) where width < 64: .int64(array.int64Values())
            case (.int(32, true), .int), (.int(16, true), .int), (.int(8, true), .int), (.int(16, true), .short), (.int(8, true), .short),
                (.int(8, true), .byte):
                .int32(array.int64Values().map { Int32(truncatingIfNeeded: $0) })
            case (.float64, .double): .double(array.doubleValues())
            case (.utf8, .string) where type.arrivesAsItsText, (.largeUtf8, .string) where type.arrivesAsItsText: .string(rows.map(array.string))
            case (.timestamp(let unit, _), .dateTime): .int64(array.int64Values().map(unit.microseconds))
            case (.date32, .date): .int32(array.int64Values().map { Int32(truncatingIfNeeded: $0) })
            case (.decimal(let precision, let scale), .decimal(let targetPrecision, let targetScale))
            where precision == targetPrecision && scale == targetScale:
                decimals(array, nulls, precision: precision).map(ParquetValues.decimal)
            case (.decimal(_, let scale), .double), (.decimal(_, let scale), .float):
                doubles(array, nulls, scale: scale).map { target == .float ? .float($0.map(Float.init)) : .double($0) }
            default: nil
            }
        return values.map { ConvertedColumn(values: $0, nulls: nulls) }
    }

    /// A decimal column's values as doubles, or `nil` when one cannot be made exactly as its text
    /// would parse. An unscaled value below 2^53 and a power of ten up to 10^22 are both exact doubles,
    /// so their IEEE quotient is the correctly rounded value of the decimal — what parsing its text gives.
    private static func doubles(_ array: ArrowArray, _ nulls: [Bool]?, scale: Int) -> [Double]? {
        guard (0...22).contains(scale) else { return nil }
        var divisor = 1.0
        for _ in 0..<scale { divisor *= 10 }
        var values: [Double] = []
        values.reserveCapacity(array.length)
        for (row, value) in array.unscaledDecimals().enumerated() {
            if nulls?[row] == true {
                values.append(0)
                continue
            }
            guard value.magnitude < 1 << 53 else { return nil }
            values.append(Double(Int64(value)) / divisor)
        }
        return values
    }

    /// The unscaled values of a decimal column of the field's own precision and scale, or `nil` when
    /// one has more digits than the precision (value by value, that row is refused).
    private static func decimals(_ array: ArrowArray, _ nulls: [Bool]?, precision: Int) -> [Int128]? {
        var limit: Int128 = 1
        for _ in 0..<precision { limit &*= 10 }
        let values = array.unscaledDecimals()
        for row in values.indices where nulls?[row] != true && values[row].magnitude >= limit.magnitude { return nil }
        return values
    }
}

extension SQLType {
    /// Whether a value of this type arrives as text that is itself the value of a string field
    /// (nested values as JSON, intervals as Spark's text).
    var arrivesAsItsText: Bool {
        switch self {
        case .string, .varchar, .char, .array, .map, .struct, .union, .intervalDayTime, .intervalYearMonth: true
        default: false
        }
    }
}
