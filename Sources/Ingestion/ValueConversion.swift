// Converting one source value to a dataset field's type: exact where the types allow (integers
// range-checked, decimals rescaled only without losing digits), text parsed strictly. A value that
// does not convert is reported, never guessed.
import DataLake
import DatabricksSQL
import Foundation

/// A value ready for a dataset column.
enum FieldValue: Equatable {
    case null
    case bool(Bool)
    case int64(Int64)
    case double(Double)
    case decimal(Int128)
    case string(String)
    case binary([UInt8])
}

/// Why a value did not convert.
struct ConversionFailure: Error, Equatable {
    var message: String
}

enum ValueConversion {
    /// Whether a source column of `sourceType` (Spark's type name) can be mapped to `target` at all.
    /// Per-value failures (an out-of-range number, unparsable text) are row errors at run time.
    public static func canConvert(sourceType: String, to target: DatasetFieldType) -> Bool {
        let base = sourceType.lowercased().prefix { $0.isLetter || $0 == "_" }
        let numeric = [
            "tinyint", "smallint", "int", "integer", "bigint", "float", "double", "decimal", "byte", "short", "long", "real", "dec", "numeric",
        ]
        let textual = ["string", "varchar", "char"]
        switch target {
        case .string: return base != "binary"
        case .boolean: return base == "boolean" || textual.contains(String(base))
        case .byte, .short, .int, .long, .float, .double, .decimal: return numeric.contains(String(base)) || textual.contains(String(base))
        case .binary: return base == "binary" || textual.contains(String(base))
        case .date, .dateTime:
            return ["date", "timestamp", "timestamp_ntz", "timestamp_ltz"].contains(String(base)) || textual.contains(String(base))
        }
    }

    /// `value` as `target`.
    static func convert(_ value: SQLValue, to target: DatasetFieldType) -> Result<FieldValue, ConversionFailure> {
        if case .null = value { return .success(.null) }
        switch target {
        case .boolean:
            switch value {
            case .bool(let flag): return .success(.bool(flag))
            case .string(let text):
                switch text.lowercased() {
                case "true": return .success(.bool(true))
                case "false": return .success(.bool(false))
                default: return failure("'\(text.prefix(40))' is not true or false")
                }
            default: return failure("\(describe(value)) is not a boolean")
            }
        case .byte: return integer(value, in: Int64(Int8.min)...Int64(Int8.max))
        case .short: return integer(value, in: Int64(Int16.min)...Int64(Int16.max))
        case .int: return integer(value, in: Int64(Int32.min)...Int64(Int32.max))
        case .long: return integer(value, in: Int64.min...Int64.max)
        case .float, .double:
            switch value {
            case .int8(let n): return .success(.double(Double(n)))
            case .int16(let n): return .success(.double(Double(n)))
            case .int32(let n): return .success(.double(Double(n)))
            case .int64(let n): return .success(.double(Double(n)))
            case .float(let n): return .success(.double(Double(String(n)) ?? Double(n)))
            case .double(let n): return .success(.double(n))
            case .decimal(let d): return Double(d.text).map { .success(.double($0)) } ?? failure("'\(d.text)' is not a number")
            case .string(let text):
                return Double(text.trimmingCharacters(in: .whitespaces)).map { .success(.double($0)) }
                    ?? failure("'\(text.prefix(40))' is not a number")
            default: return failure("\(describe(value)) is not a number")
            }
        case .decimal(let precision, let scale):
            let text: String
            switch value {
            case .int8(let n): text = String(n)
            case .int16(let n): text = String(n)
            case .int32(let n): text = String(n)
            case .int64(let n): text = String(n)
            case .decimal(let d): text = d.text
            case .string(let s): text = s.trimmingCharacters(in: .whitespaces)
            case .double(let n) where n.isFinite: text = String(n)
            default: return failure("\(describe(value)) is not a decimal")
            }
            return unscaled(text, precision: precision, scale: scale).map { .success(.decimal($0)) }
                ?? failure("'\(text.prefix(40))' does not fit decimal(\(precision),\(scale))")
        case .string:
            switch value {
            case .string(let text), .json(let text), .interval(let text): return .success(.string(text))
            case .bool(let flag): return .success(.string(flag ? "true" : "false"))
            case .int8(let n): return .success(.string(String(n)))
            case .int16(let n): return .success(.string(String(n)))
            case .int32(let n): return .success(.string(String(n)))
            case .int64(let n): return .success(.string(String(n)))
            case .float(let n): return .success(.string(String(n)))
            case .double(let n): return .success(.string(String(n)))
            case .decimal(let d): return .success(.string(d.text))
            case .date(let days): return .success(.string(SQLDateFormatting.date(days: days)))
            case .timestamp(let micros): return .success(.string(SQLDateFormatting.timestamp(microseconds: micros)))
            case .binary: return failure("binary data is not text")
            case .null: return .success(.null)
            }
        case .binary:
            switch value {
            case .binary(let bytes): return .success(.binary(bytes))
            case .string(let text): return .success(.binary(Array(text.utf8)))
            default: return failure("\(describe(value)) is not binary")
            }
        case .date:
            switch value {
            case .date(let days): return .success(.int64(Int64(days)))
            case .timestamp(let micros): return .success(.int64(floorDivide(micros, 86_400_000_000)))
            case .string(let text):
                return SQLDateParsing.days(text).map { .success(.int64(Int64($0))) } ?? failure("'\(text.prefix(40))' is not a date (YYYY-MM-DD)")
            default: return failure("\(describe(value)) is not a date")
            }
        case .dateTime:
            switch value {
            case .timestamp(let micros): return .success(.int64(micros))
            case .date(let days): return .success(.int64(Int64(days) * 86_400_000_000))
            case .string(let text):
                return SQLDateParsing.microseconds(text).map { .success(.int64($0)) } ?? failure("'\(text.prefix(40))' is not a timestamp")
            default: return failure("\(describe(value)) is not a timestamp")
            }
        }
    }

    static func integer(_ value: SQLValue, in range: ClosedRange<Int64>) -> Result<FieldValue, ConversionFailure> {
        let number: Int64?
        switch value {
        case .int8(let n): number = Int64(n)
        case .int16(let n): number = Int64(n)
        case .int32(let n): number = Int64(n)
        case .int64(let n): number = n
        case .string(let text): number = Int64(text.trimmingCharacters(in: .whitespaces))
        case .decimal(let d):
            number =
                d.scale == 0 || d.text.split(separator: ".").last?.allSatisfy({ $0 == "0" }) == true
                ? Int64(d.text.split(separator: ".").first ?? "") : nil
        case .double(let n): number = n.rounded() == n && abs(n) < 9.2e18 ? Int64(n) : nil
        case .float(let n): number = n.rounded() == n && abs(n) < 9.2e18 ? Int64(n) : nil
        default: return failure("\(describe(value)) is not an integer")
        }
        guard let number else { return failure("\(describe(value)) is not a whole number") }
        guard range.contains(number) else { return failure("\(number) is out of range \(range.lowerBound)…\(range.upperBound)") }
        return .success(.int64(number))
    }

    /// The unscaled value of decimal text at `scale`, when it fits `precision` without losing digits.
    static func unscaled(_ text: String, precision: Int, scale: Int) -> Int128? {
        var digits = Substring(text)
        var negative = false
        if digits.first == "-" || digits.first == "+" {
            negative = digits.first == "-"
            digits = digits.dropFirst()
        }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty || parts.count == 2 else { return nil }
        var fraction = parts.count == 2 ? String(parts[1]) : ""
        while fraction.count > scale {
            guard fraction.last == "0" else { return nil }
            fraction.removeLast()
        }
        fraction += String(repeating: "0", count: scale - fraction.count)
        let whole = String(parts[0].drop { $0 == "0" })
        guard whole.count + scale <= precision, (whole + fraction).allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        guard let value = Int128(whole.isEmpty && fraction.isEmpty ? "0" : whole + fraction) else { return nil }
        return negative ? -value : value
    }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        value >= 0 ? value / divisor : -((-value - 1) / divisor) - 1
    }

    static func describe(_ value: SQLValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .int8, .int16, .int32, .int64: "an integer"
        case .float, .double: "a floating-point number"
        case .string(let text): "'\(text.prefix(40))'"
        case .binary: "binary data"
        case .decimal(let d): "the decimal \(d.text)"
        case .date: "a date"
        case .timestamp: "a timestamp"
        case .json: "a complex value"
        case .interval: "an interval"
        }
    }

    static func failure(_ message: String) -> Result<FieldValue, ConversionFailure> { .failure(ConversionFailure(message: message)) }
}
