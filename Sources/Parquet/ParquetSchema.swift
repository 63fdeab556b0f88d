// The schema of a Parquet file as Tributary writes it: a flat list of named, typed, optionally
// nullable columns, each mapped to a Parquet physical type and logical type.

/// The type of a column, as the writer stores it.
public enum ParquetColumnType: Sendable, Hashable, CustomStringConvertible {
    case boolean
    /// INT32 with the INT(8, signed) logical type.
    case int8
    /// INT32 with the INT(16, signed) logical type.
    case int16
    case int32
    case int64
    case float
    case double
    /// BYTE_ARRAY with the STRING logical type (UTF-8).
    case string
    /// BYTE_ARRAY without a logical type.
    case binary
    /// DECIMAL(precision, scale): INT32 up to precision 9, INT64 up to 18, else FIXED_LEN_BYTE_ARRAY.
    case decimal(precision: Int, scale: Int)
    /// INT32 days since 1970-01-01 (DATE).
    case date
    /// INT64 microseconds since 1970-01-01T00:00:00Z (TIMESTAMP, adjusted to UTC, MICROS).
    case timestampMicros

    /// The type's name, e.g. `decimal(18,2)`.
    public var description: String {
        switch self {
        case .boolean: "boolean"
        case .int8: "int8"
        case .int16: "int16"
        case .int32: "int32"
        case .int64: "int64"
        case .float: "float"
        case .double: "double"
        case .string: "string"
        case .binary: "binary"
        case .decimal(let precision, let scale): "decimal(\(precision),\(scale))"
        case .date: "date"
        case .timestampMicros: "timestamp"
        }
    }

    /// The Parquet physical type.
    var physical: PhysicalType {
        switch self {
        case .boolean: .boolean
        case .int8, .int16, .int32, .date: .int32
        case .int64, .timestampMicros: .int64
        case .float: .float
        case .double: .double
        case .string, .binary: .byteArray
        case .decimal(let precision, _): precision <= 9 ? .int32 : precision <= 18 ? .int64 : .fixedLenByteArray
        }
    }

    /// Bytes of a FIXED_LEN_BYTE_ARRAY decimal: the fewest that hold `precision` digits.
    var fixedLength: Int? {
        guard case .decimal(let precision, _) = self, precision > 18 else { return nil }
        var bytes = 1
        // 2^(8·bytes − 1) must exceed 10^precision − 1.
        while Double(bytes * 8 - 1) * 0.30102999566398120 < Double(precision) { bytes += 1 }
        return bytes
    }
}

/// Parquet physical types (`Type` in parquet.thrift).
enum PhysicalType: Int32, Sendable {
    case boolean = 0
    case int32 = 1
    case int64 = 2
    case int96 = 3
    case float = 4
    case double = 5
    case byteArray = 6
    case fixedLenByteArray = 7
}

/// One column of a file.
public struct ParquetField: Sendable, Hashable {
    /// The column name.
    public var name: String
    /// Its type.
    public var type: ParquetColumnType
    /// Whether it may hold nulls (OPTIONAL) or not (REQUIRED).
    public var nullable: Bool

    /// Creates a field.
    public init(_ name: String, _ type: ParquetColumnType, nullable: Bool = true) {
        self.name = name
        self.type = type
        self.nullable = nullable
    }
}

/// The columns of a file, in order.
public struct ParquetSchema: Sendable, Hashable {
    /// The fields.
    public var fields: [ParquetField]

    /// A schema of `fields`; names must be unique and non-empty, decimals valid.
    public init(_ fields: [ParquetField]) throws(ParquetError) {
        var seen = Set<String>()
        for field in fields {
            guard !field.name.isEmpty, seen.insert(field.name).inserted else {
                throw ParquetError(.invalidSchema, "column names must be non-empty and unique ('\(field.name)')")
            }
            if case .decimal(let precision, let scale) = field.type, !(1...38).contains(precision) || !(0...precision).contains(scale) {
                throw ParquetError(.invalidSchema, "column '\(field.name)': decimal precision must be 1…38 and scale 0…precision")
            }
        }
        guard !fields.isEmpty else { throw ParquetError(.invalidSchema, "a file needs at least one column") }
        self.fields = fields
    }
}
