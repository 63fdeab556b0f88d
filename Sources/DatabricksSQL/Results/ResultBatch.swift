// A batch of result rows, column by column, and how a cell becomes a typed `SQLValue`.
import Arrow

/// Some rows of a result, stored by column. Memory is bounded by the fetch size, never the result.
public struct ResultBatch: Sendable {
    /// The result's columns.
    public var schema: [ColumnDescriptor]
    /// One entry per column, in schema order.
    public var columns: [ColumnValues]
    /// The offset of this batch's first row in the whole result.
    public var startRowOffset: Int64

    /// Creates a batch.
    public init(schema: [ColumnDescriptor], columns: [ColumnValues], startRowOffset: Int64) {
        self.schema = schema
        self.columns = columns
        self.startRowOffset = startRowOffset
    }

    /// The number of rows.
    public var rowCount: Int { columns.map(\.count).min() ?? 0 }

    /// The typed value at `row` of column `column`.
    public func value(row: Int, column: Int) -> SQLValue {
        columns[column].value(at: row, type: schema[column].type)
    }

    /// A row as typed values.
    public func row(_ row: Int) -> [SQLValue] {
        (0..<columns.count).map { value(row: row, column: $0) }
    }
}

extension ColumnValues {
    /// The value at `row`, interpreted through the column's declared type.
    public func value(at row: Int, type: SQLType) -> SQLValue {
        if nulls.isNull(row) { return .null }
        switch storage {
        case .bool(let values): return .bool(values[row])
        case .int8(let values): return .int8(values[row])
        case .int16(let values): return .int16(values[row])
        case .int32(let values): return .int32(values[row])
        case .int64(let values): return .int64(values[row])
        case .double(let values): return type == .float ? .float(Float(values[row])) : .double(values[row])
        case .binary(let values): return .binary(values[row])
        case .string(let values): return Self.interpret(values[row], as: type)
        case .arrow(let array): return Self.value(array, row, type: type)
        }
    }

    /// A cell of an Arrow column: native types as they are, text through the column's SQL type
    /// (Databricks sends what it does not send natively — nested values, intervals — as text).
    static func value(_ array: ArrowArray, _ row: Int, type: SQLType) -> SQLValue {
        if array.isNull(row) { return .null }
        switch array.type {
        case .null: return .null
        case .bool: return .bool(array.bool(row))
        case .int(8, _): return .int8(Int8(truncatingIfNeeded: array.int64(row)))
        case .int(16, _): return .int16(Int16(truncatingIfNeeded: array.int64(row)))
        case .int(32, _): return .int32(Int32(truncatingIfNeeded: array.int64(row)))
        case .int: return .int64(array.int64(row))
        case .float32: return .float(Float(array.double(row)))
        case .float64: return .double(array.double(row))
        case .decimal(let precision, let scale):
            return .decimal(SQLDecimal(unscaled: array.decimal128(row), precision: precision, scale: scale))
        case .date32: return .date(Int32(truncatingIfNeeded: array.int64(row)))
        case .date64: return .date(Int32(truncatingIfNeeded: array.int64(row) / 86_400_000))
        case .timestamp(let unit, _): return .timestamp(unit.microseconds(array.int64(row)))
        case .utf8, .largeUtf8: return interpret(array.string(row), as: type)
        case .binary, .largeBinary, .fixedSizeBinary: return .binary(Array(array.bytes(row)))
        case .interval(.yearMonth): return .interval(SQLIntervalFormatting.yearMonth(months: array.int64(row)))
        case .duration(let unit): return .interval(SQLIntervalFormatting.dayTime(microseconds: unit.microseconds(array.int64(row))))
        case .time, .interval, .list, .largeList, .fixedSizeList, .struct, .map:
            // Not sent by Spark for what the connectors select (nested values are selected as JSON
            // text); ArrowResults refuses a Databricks schema holding them.
            return .null
        }
    }

    static func interpret(_ text: String, as type: SQLType) -> SQLValue {
        switch type {
        case .decimal(let precision, let scale): return .decimal(SQLDecimal(text: text, precision: precision, scale: scale))
        case .date: return SQLDateParsing.days(text).map(SQLValue.date) ?? .string(text)
        case .timestamp: return SQLDateParsing.microseconds(text).map(SQLValue.timestamp) ?? .string(text)
        case .array, .map, .struct, .union: return .json(text)
        case .intervalDayTime, .intervalYearMonth: return .interval(text)
        case .null: return .null
        // Spark sends some numeric types as text in old protocol versions.
        case .bigint: return Int64(text).map(SQLValue.int64) ?? .string(text)
        case .int: return Int32(text).map(SQLValue.int32) ?? .string(text)
        case .smallint: return Int16(text).map(SQLValue.int16) ?? .string(text)
        case .tinyint: return Int8(text).map(SQLValue.int8) ?? .string(text)
        case .boolean: return Bool(text).map(SQLValue.bool) ?? .string(text)
        case .double: return Double(text).map(SQLValue.double) ?? .string(text)
        case .float: return Float(text).map(SQLValue.float) ?? .string(text)
        default: return .string(text)
        }
    }
}

/// Spark's own text of ANSI intervals (Hive style, as its Thrift server sends them): `1-2` for
/// 1 year 2 months, `1 02:03:04.500000000` for a day-time interval.
public enum SQLIntervalFormatting {
    /// `[-]years-months`.
    public static func yearMonth(months: Int64) -> String {
        let magnitude = months.magnitude
        return "\(months < 0 ? "-" : "")\(magnitude / 12)-\(magnitude % 12)"
    }

    /// `[-]days hh:mm:ss.nnnnnnnnn`.
    public static func dayTime(microseconds: Int64) -> String {
        let magnitude = microseconds.magnitude
        let seconds = magnitude / 1_000_000
        func two(_ value: UInt64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let nanos = String(magnitude % 1_000_000 * 1_000)
        return "\(microseconds < 0 ? "-" : "")\(seconds / 86_400) \(two(seconds / 3_600 % 24)):\(two(seconds / 60 % 60)):\(two(seconds % 60))."
            + String(repeating: "0", count: 9 - nanos.count) + nanos
    }
}

/// Parsing of Spark's DATE (`yyyy-MM-dd`) and TIMESTAMP (`yyyy-MM-dd HH:mm:ss[.f…]`) text, in UTC
/// (sessions are opened with `spark.sql.session.timeZone=UTC`).
public enum SQLDateParsing {
    /// Days since 1970-01-01 for `yyyy-MM-dd` (years may be negative or longer than four digits).
    public static func days(_ text: some StringProtocol) -> Int32? {
        let utf8 = Array(text.utf8)
        guard let (year, month, day, end) = parseDate(utf8[...]), end == utf8.count else { return nil }
        return Int32(exactly: daysFromCivil(year: year, month: month, day: day))
    }

    /// Microseconds since the epoch for `yyyy-MM-dd HH:mm:ss[.ffffff…]` (or a bare date).
    public static func microseconds(_ text: some StringProtocol) -> Int64? {
        let utf8 = Array(text.utf8)
        guard let (year, month, day, end) = parseDate(utf8[...]) else { return nil }
        var seconds = daysFromCivil(year: year, month: month, day: day) * 86_400
        var micros: Int64 = 0
        var index = end
        if index < utf8.count {
            guard utf8[index] == UInt8(ascii: " ") || utf8[index] == UInt8(ascii: "T"), index + 8 < utf8.count + 0,
                let hour = number(utf8, index + 1, 2), utf8[index + 3] == UInt8(ascii: ":"),
                let minute = number(utf8, index + 4, 2), utf8[index + 6] == UInt8(ascii: ":"),
                let second = number(utf8, index + 7, 2), hour < 24, minute < 60, second < 61
            else { return nil }
            seconds += Int64(hour * 3600 + minute * 60 + second)
            index += 9
            if index < utf8.count {
                guard utf8[index] == UInt8(ascii: ".") else { return nil }
                index += 1
                var digits = 0
                while index < utf8.count, utf8[index] >= 48, utf8[index] <= 57 {
                    if digits < 6 { micros = micros * 10 + Int64(utf8[index] - 48) }
                    digits += 1
                    index += 1
                }
                guard digits > 0, index == utf8.count else { return nil }
                for _ in digits..<max(digits, 6) { micros *= 10 }
            }
        }
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
        guard !overflow else { return nil }
        return scaled + micros
    }

    private static func number(_ bytes: [UInt8], _ start: Int, _ length: Int) -> Int? {
        guard start + length <= bytes.count else { return nil }
        var value = 0
        for byte in bytes[start..<start + length] {
            guard byte >= 48, byte <= 57 else { return nil }
            value = value * 10 + Int(byte - 48)
        }
        return value
    }

    private static func parseDate(_ bytes: ArraySlice<UInt8>) -> (Int64, Int64, Int64, Int)? {
        var index = bytes.startIndex
        var negative = false
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var year: Int64 = 0
        var digits = 0
        while index < bytes.endIndex, bytes[index] >= 48, bytes[index] <= 57, digits < 9 {
            year = year * 10 + Int64(bytes[index] - 48)
            digits += 1
            index += 1
        }
        let array = Array(bytes)
        let offset = index - bytes.startIndex
        guard digits >= 4, offset + 6 <= array.count, array[offset] == UInt8(ascii: "-"),
            let month = number(array, offset + 1, 2), array[offset + 3] == UInt8(ascii: "-"),
            let day = number(array, offset + 4, 2), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        return (negative ? -year : year, Int64(month), Int64(day), offset + 6)
    }

    /// Howard Hinnant's days-from-civil, proleptic Gregorian.
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
