// A dataset's schema: named fields with XDM types, nullable or not, and how each is stored in
// Parquet. The JSON form is the one the catalog API takes and shows (README, "Datasets").
public import FlowModel
public import Parquet

/// The type of a dataset field.
public enum DatasetFieldType: Sendable, Hashable {
    case boolean
    /// XDM integer with `meta:xdmType` byte, short, int or long.
    case byte, short, int, long
    /// XDM number with `meta:xdmType` float or double.
    case float, double
    /// An exact decimal (a Tributary extension of XDM, which has none).
    case decimal(precision: Int, scale: Int)
    case string
    /// Bytes (a Tributary extension; base64 in JSON).
    case binary
    /// XDM string with format date.
    case date
    /// XDM string with format date-time (UTC, microseconds).
    case dateTime

    /// The Parquet column type it is stored as.
    public var parquetType: ParquetColumnType {
        switch self {
        case .boolean: .boolean
        case .byte: .int8
        case .short: .int16
        case .int: .int32
        case .long: .int64
        case .float: .float
        case .double: .double
        case .decimal(let precision, let scale): .decimal(precision: precision, scale: scale)
        case .string: .string
        case .binary: .binary
        case .date: .date
        case .dateTime: .timestampMicros
        }
    }

    /// The JSON members describing the type: `type`, and `format`, `meta:xdmType`, `precision`, `scale`.
    /// The JSON type with its article, for messages: `a binary`, `an integer`.
    var article: String {
        let type = members["type"]?.stringValue ?? "field"
        return (type.first.map { "aeiou".contains($0) } ?? false ? "an " : "a ") + type
    }

    var members: [String: JSONValue] {
        switch self {
        case .boolean: ["type": "boolean"]
        case .byte: ["type": "integer", "meta:xdmType": "byte"]
        case .short: ["type": "integer", "meta:xdmType": "short"]
        case .int: ["type": "integer", "meta:xdmType": "int"]
        case .long: ["type": "integer", "meta:xdmType": "long"]
        case .float: ["type": "number", "meta:xdmType": "float"]
        case .double: ["type": "number", "meta:xdmType": "double"]
        case .decimal(let precision, let scale): ["type": "decimal", "precision": .integer(Int64(precision)), "scale": .integer(Int64(scale))]
        case .string: ["type": "string"]
        case .binary: ["type": "binary"]
        case .date: ["type": "string", "format": "date", "meta:xdmType": "date"]
        case .dateTime: ["type": "string", "format": "date-time", "meta:xdmType": "date-time"]
        }
    }

    /// Reads the type members of a field document.
    init(members field: [String: JSONValue], name: String) throws(DataLakeError) {
        let meta = field["meta:xdmType"]?.stringValue
        switch field["type"]?.stringValue {
        case "boolean": self = .boolean
        case "integer":
            switch meta ?? "long" {
            case "byte": self = .byte
            case "short": self = .short
            case "int": self = .int
            case "long": self = .long
            default: throw DataLakeError(.invalidSchema, "field '\(name)': meta:xdmType of an integer is byte, short, int or long")
            }
        case "number":
            switch meta ?? "double" {
            case "float": self = .float
            case "double", "number": self = .double
            default: throw DataLakeError(.invalidSchema, "field '\(name)': meta:xdmType of a number is float or double")
            }
        case "decimal":
            guard let precision = field["precision"]?.int64Value, (1...38).contains(precision) else {
                throw DataLakeError(.invalidSchema, "field '\(name)': a decimal needs precision 1 to 38")
            }
            let scale = field["scale"]?.int64Value ?? 0
            guard (0...precision).contains(scale) else { throw DataLakeError(.invalidSchema, "field '\(name)': scale must be 0 to the precision") }
            self = .decimal(precision: Int(precision), scale: Int(scale))
        case "string":
            switch field["format"]?.stringValue {
            case nil: self = .string
            case "date": self = .date
            case "date-time": self = .dateTime
            case let other?: throw DataLakeError(.invalidSchema, "field '\(name)': string format '\(other.prefix(40))' is not date or date-time")
            }
        case "binary": self = .binary
        case let other:
            throw DataLakeError(
                .invalidSchema,
                "field '\(name)': type '\(other?.prefix(40) ?? "(missing)")' is not one of string, integer, number, boolean, decimal, binary"
            )
        }
    }
}

/// One field of a dataset.
public struct DatasetField: Sendable, Hashable {
    /// The name (also the Parquet column name).
    public var name: String
    /// The type.
    public var type: DatasetFieldType
    /// Whether rows may leave it empty.
    public var nullable: Bool

    /// Creates a field.
    public init(_ name: String, _ type: DatasetFieldType, nullable: Bool = true) {
        self.name = name
        self.type = type
        self.nullable = nullable
    }
}

/// The fields of a dataset, in order.
public struct DatasetSchema: Sendable, Hashable {
    /// The fields.
    public var fields: [DatasetField]

    /// The most fields a dataset may have.
    public static let maximumFields = 10_000

    /// A schema of `fields` (unique, non-empty names of at most 255 characters).
    public init(_ fields: [DatasetField]) throws(DataLakeError) {
        guard !fields.isEmpty, fields.count <= Self.maximumFields else {
            throw DataLakeError(.invalidSchema, "a dataset schema has 1 to \(Self.maximumFields) fields")
        }
        var seen = Set<String>()
        for field in fields {
            guard (1...255).contains(field.name.count), !field.name.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
                throw DataLakeError(.invalidSchema, "field names have 1 to 255 characters and no control characters")
            }
            guard seen.insert(field.name).inserted else { throw DataLakeError(.invalidSchema, "the field '\(field.name)' appears twice") }
        }
        self.fields = fields
    }

    /// Parses `{"fields": [{"name", "type", …, "nullable"}]}`.
    public init(parsing document: JSONValue) throws(DataLakeError) {
        guard let list = document["fields"]?.arrayValue else {
            throw DataLakeError(.invalidSchema, "the schema must be {\"fields\": [{\"name\": …, \"type\": …}, …]}")
        }
        var fields: [DatasetField] = []
        for item in list {
            guard let members = item.objectValue, let name = members["name"]?.stringValue else {
                throw DataLakeError(.invalidSchema, "each field is an object with a name and a type")
            }
            let type = try DatasetFieldType(members: members, name: name)
            try Self.refuseMembers(of: members, notTakenBy: type, name: name)
            var nullable = true
            if let flag = members["nullable"] {
                guard let value = flag.boolValue else { throw DataLakeError(.invalidSchema, "field '\(name)': nullable is true or false") }
                nullable = value
            }
            fields.append(DatasetField(name, type, nullable: nullable))
        }
        try self.init(fields)
    }

    /// Members a field of `type` does not take are refused, not ignored: `precision` and `scale`
    /// belong to decimals, `format` to strings, `meta:xdmType` to integers, numbers and strings.
    static func refuseMembers(of members: [String: JSONValue], notTakenBy type: DatasetFieldType, name: String) throws(DataLakeError) {
        var taken: Set<String> = ["name", "type", "nullable", "title", "description"]
        switch type {
        case .decimal: taken.formUnion(["precision", "scale"])
        case .string, .date, .dateTime: taken.formUnion(["format", "meta:xdmType"])
        case .byte, .short, .int, .long, .float, .double: taken.insert("meta:xdmType")
        case .boolean, .binary: break
        }
        if let other = members.keys.sorted().first(where: { !taken.contains($0) }) {
            throw DataLakeError(
                .invalidSchema,
                "field '\(name)': \(type.article) does not take '\(other.prefix(40))'"
            )
        }
    }

    /// The JSON form.
    public var document: JSONValue {
        [
            "fields": .array(
                fields.map { field in
                    var members = field.type.members
                    members["name"] = .string(field.name)
                    members["nullable"] = .bool(field.nullable)
                    return .object(members)
                }
            )
        ]
    }

    /// The Parquet schema of the dataset's files.
    public var parquetSchema: ParquetSchema {
        get throws(DataLakeError) {
            do {
                return try ParquetSchema(fields.map { ParquetField($0.name, $0.type.parquetType, nullable: $0.nullable) })
            } catch {
                throw DataLakeError(.invalidSchema, error.message)
            }
        }
    }

    /// Whether `newer` only adds nullable fields after these (the one evolution datasets allow).
    public func canEvolve(to newer: DatasetSchema) -> Bool {
        newer.fields.count >= fields.count && Array(newer.fields.prefix(fields.count)) == fields
            && newer.fields.dropFirst(fields.count).allSatisfy(\.nullable)
    }
}
