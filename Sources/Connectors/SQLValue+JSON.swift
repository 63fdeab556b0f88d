// Cell values as preview shows them: JSON values of the column's XDM type, exact where JSON allows
// (see docs/type-mapping.md).
import DatabricksSQL
public import FlowModel
import Foundation

extension SourceColumn {
    /// `value` as a JSON value of this column's XDM type.
    public func json(_ value: SQLValue) -> JSONValue {
        switch value {
        case .null: return .null
        case .bool(let flag): return .bool(flag)
        case .int8(let number): return .integer(Int64(number))
        case .int16(let number): return .integer(Int64(number))
        case .int32(let number): return .integer(Int64(number))
        case .int64(let number): return .integer(number)
        // A float's shortest decimal text read as a double: 0.1f shows as 0.1, not 0.10000000149011612.
        case .float(let number): return number.isFinite ? .number(Double(String(number)) ?? Double(number)) : .string(String(number))
        case .double(let number): return number.isFinite ? .number(number) : .string(String(number))
        case .string(let text) where isNested: return (try? JSONValue(parsing: Data(text.utf8))) ?? .string(text)
        case .string(let text), .interval(let text): return .string(text)
        case .binary(let bytes): return .string(Data(bytes).base64EncodedString())
        case .decimal(let decimal):
            if xdm.type == "number", let number = Double(decimal.text) { return .number(number) }
            return .string(decimal.text)
        case .date(let days): return .string(SQLDateFormatting.date(days: days))
        case .timestamp(let micros): return .string(SQLDateFormatting.timestamp(microseconds: micros))
        case .json(let text): return (try? JSONValue(parsing: Data(text.utf8))) ?? .string(text)
        }
    }
}
