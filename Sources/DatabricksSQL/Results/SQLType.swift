// Column types as HiveServer2 reports them (`TTypeId` with qualifiers).

/// The SQL type of a result column.
public enum SQLType: Sendable, Hashable, CustomStringConvertible {
    case boolean, tinyint, smallint, int, bigint, float, double, string, timestamp, binary
    case array, map, `struct`, union, userDefined, null, date, intervalYearMonth, intervalDayTime
    /// `DECIMAL(precision, scale)`.
    case decimal(precision: Int, scale: Int)
    /// `VARCHAR(n)`.
    case varchar(maximumLength: Int?)
    /// `CHAR(n)`.
    case char(maximumLength: Int?)
    /// A type id this client does not know.
    case unknown(Int32)

    init(typeId: Int32, qualifiers: [String: Int32]) {
        switch typeId {
        case 0: self = .boolean
        case 1: self = .tinyint
        case 2: self = .smallint
        case 3: self = .int
        case 4: self = .bigint
        case 5: self = .float
        case 6: self = .double
        case 7: self = .string
        case 8: self = .timestamp
        case 9: self = .binary
        case 10: self = .array
        case 11: self = .map
        case 12: self = .struct
        case 13: self = .union
        case 14: self = .userDefined
        case 15: self = .decimal(precision: Int(qualifiers["precision"] ?? 10), scale: Int(qualifiers["scale"] ?? 0))
        case 16: self = .null
        case 17: self = .date
        case 18: self = .varchar(maximumLength: qualifiers["characterMaximumLength"].map(Int.init))
        case 19: self = .char(maximumLength: qualifiers["characterMaximumLength"].map(Int.init))
        case 20: self = .intervalYearMonth
        case 21: self = .intervalDayTime
        default: self = .unknown(typeId)
        }
    }

    /// The type as Spark SQL spells it, e.g. `decimal(18,2)`.
    public var description: String {
        switch self {
        case .boolean: "boolean"
        case .tinyint: "tinyint"
        case .smallint: "smallint"
        case .int: "int"
        case .bigint: "bigint"
        case .float: "float"
        case .double: "double"
        case .string: "string"
        case .timestamp: "timestamp"
        case .binary: "binary"
        case .array: "array"
        case .map: "map"
        case .struct: "struct"
        case .union: "uniontype"
        case .userDefined: "user_defined"
        case .null: "void"
        case .date: "date"
        case .intervalYearMonth: "interval year to month"
        case .intervalDayTime: "interval day to second"
        case .decimal(let precision, let scale): "decimal(\(precision),\(scale))"
        case .varchar(let length): length.map { "varchar(\($0))" } ?? "varchar"
        case .char(let length): length.map { "char(\($0))" } ?? "char"
        case .unknown(let id): "unknown(\(id))"
        }
    }
}

/// A result column's name, type and position.
public struct ColumnDescriptor: Sendable, Hashable {
    /// The column name.
    public var name: String
    /// The column type.
    public var type: SQLType
    /// The 1-based position in the result.
    public var position: Int
    /// The column comment, when the server sends one.
    public var comment: String?

    /// Creates a descriptor.
    public init(name: String, type: SQLType, position: Int, comment: String? = nil) {
        self.name = name
        self.type = type
        self.position = position
        self.comment = comment
    }
}
