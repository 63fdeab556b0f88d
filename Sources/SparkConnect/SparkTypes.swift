// Spark's types as the driver's SQL types: from the schema an AnalyzePlan answers (Spark's
// DataType message) and from the Arrow fields of a result.
import Arrow
import DatabricksSQL
import SparkConnectProtocol

/// Spark's data types in the driver's terms.
enum SparkTypes {
    /// The SQL type of a Spark Connect `DataType`.
    static func sqlType(_ type: Spark_Connect_DataType) -> SQLType {
        switch type.kind {
        case .boolean: .boolean
        case .byte: .tinyint
        case .short: .smallint
        case .integer: .int
        case .long: .bigint
        case .float: .float
        case .double: .double
        case .decimal(let decimal):
            .decimal(precision: Int(decimal.hasPrecision ? decimal.precision : 10), scale: Int(decimal.hasScale ? decimal.scale : 0))
        case .string: .string
        case .char(let char): .char(maximumLength: Int(char.length))
        case .varChar(let varChar): .varchar(maximumLength: Int(varChar.length))
        case .date: .date
        case .timestamp, .timestampNtz: .timestamp
        case .binary: .binary
        case .yearMonthInterval: .intervalYearMonth
        case .dayTimeInterval: .intervalDayTime
        case .array: .array
        case .map: .map
        case .struct: .struct
        case .null: .null
        default: .userDefined
        }
    }

    /// The SQL type of a result column sent as the Arrow field `field` (Spark's own Arrow mapping).
    static func sqlType(_ field: ArrowField) -> SQLType {
        switch field.type {
        case .bool: .boolean
        case .int(8, _): .tinyint
        case .int(16, _): .smallint
        case .int(32, _): .int
        case .int: .bigint
        case .float32: .float
        case .float64: .double
        case .decimal(let precision, let scale): .decimal(precision: precision, scale: scale)
        case .utf8, .largeUtf8: .string
        case .binary, .largeBinary, .fixedSizeBinary: .binary
        case .date32, .date64: .date
        case .timestamp: .timestamp
        case .interval(.yearMonth): .intervalYearMonth
        case .duration, .interval: .intervalDayTime
        case .list, .largeList, .fixedSizeList: .array
        case .map: .map
        case .struct: .struct
        case .null: .null
        case .time: .string
        }
    }
}
