// A source table's columns as explore shows them: the source's own type and the XDM type it lands
// as. The mapping is documented in docs/type-mapping.md; change both together.
import DatabricksSQL
import FlowModel
import Foundation

/// The XDM type a source column maps to.
public struct XDMType: Sendable, Hashable {
    /// `string`, `integer`, `number`, `boolean`, `array` or `object`.
    public var type: String
    /// `date` or `date-time` for temporal strings.
    public var format: String?
    /// The finer XDM type (`meta:xdmType`): `byte`, `short`, `int`, `long`, `date`, `date-time`.
    public var metaType: String?

    /// Creates an XDM type.
    public init(type: String, format: String? = nil, metaType: String? = nil) {
        self.type = type
        self.format = format
        self.metaType = metaType
    }
}

/// One column of a source table.
public struct SourceColumn: Sendable, Hashable {
    /// The column name, exactly as the source spells it.
    public var name: String
    /// The source's type, e.g. `bigint`, `decimal(38,10)`, `ARRAY<INT>`.
    public var sourceType: String
    /// What it maps to.
    public var xdm: XDMType
    /// Whether the column may hold NULL (true when the source does not say).
    public var nullable: Bool

    /// A column of type `typeName` (as `GetColumns`' `TYPE_NAME` or `DESCRIBE` spell it).
    public init(name: String, typeName: String, nullable: Bool = true) {
        self.name = name
        self.sourceType = typeName.contains("<") ? typeName : typeName.lowercased()
        self.xdm = Self.xdmType(forTypeName: typeName)
        self.nullable = nullable
    }

    /// Whether the column holds arrays, maps or structs. Such values are read as JSON text
    /// (``selectExpression``): the source's own text of a nested value does not escape the strings in it.
    public var isNested: Bool { xdm.type == "array" || xdm.type == "object" }

    /// How the column is selected: nested values as JSON text (`to_json`, NULL members kept,
    /// timestamps in RFC 3339 with microseconds), everything else as it is; every name quoted.
    var selectExpression: String {
        let quoted = SQLIdentifier.quoted(name)
        guard isNested else { return quoted }
        return "to_json(\(quoted), map('ignoreNullFields', 'false', 'timestampFormat', \"yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX\")) AS \(quoted)"
    }

    /// The type keyword: `decimal(10,2)` → `decimal`, `array<int>` → `array`.
    static func baseType(_ typeName: String) -> String {
        let lowered = typeName.lowercased().trimmingCharacters(in: .whitespaces)
        return String(lowered.prefix { $0 != "(" && $0 != "<" && $0 != " " })
    }

    /// Precision and scale of a `decimal(p,s)` type name.
    static func decimalPrecision(_ typeName: String) -> (precision: Int, scale: Int)? {
        guard let open = typeName.firstIndex(of: "("), let close = typeName.firstIndex(of: ")"), open < close else { return nil }
        let numbers = typeName[typeName.index(after: open)..<close].split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard let precision = numbers.first ?? nil else { return nil }
        return (precision, numbers.count > 1 ? (numbers[1] ?? 0) : 0)
    }

    /// The largest decimal precision that maps to an XDM number: every such value survives a trip
    /// through a double digit for digit. Wider decimals map to strings holding the exact digits.
    public static let maximumNumericDecimalPrecision = 15

    /// The mapping table (docs/type-mapping.md).
    static func xdmType(forTypeName typeName: String) -> XDMType {
        switch baseType(typeName) {
        case "boolean": XDMType(type: "boolean")
        case "tinyint", "byte": XDMType(type: "integer", metaType: "byte")
        case "smallint", "short": XDMType(type: "integer", metaType: "short")
        case "int", "integer": XDMType(type: "integer", metaType: "int")
        case "bigint", "long": XDMType(type: "integer", metaType: "long")
        case "float", "real", "double": XDMType(type: "number")
        case "decimal", "dec", "numeric":
            (decimalPrecision(typeName)?.precision ?? 10) <= maximumNumericDecimalPrecision ? XDMType(type: "number") : XDMType(type: "string")
        case "date": XDMType(type: "string", format: "date", metaType: "date")
        case "timestamp", "timestamp_ntz", "timestamp_ltz": XDMType(type: "string", format: "date-time", metaType: "date-time")
        case "array": XDMType(type: "array")
        case "map", "struct": XDMType(type: "object")
        default: XDMType(type: "string")
        }
    }

    /// The column as explore's `schema.columns` shows it.
    public var document: JSONValue {
        var xdmDocument: [String: JSONValue] = ["type": .string(xdm.type)]
        if let format = xdm.format { xdmDocument["format"] = .string(format) }
        var members: [String: JSONValue] = ["name": .string(name), "type": .string(sourceType), "xdm": .object(xdmDocument)]
        if let metaType = xdm.metaType { members["meta:xdmType"] = .string(metaType) }
        return .object(members)
    }
}
