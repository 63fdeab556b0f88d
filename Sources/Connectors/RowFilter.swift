import DatabricksSQL
// Row filters for preview (and, later, reads): Adobe's PQL JSON (`fnApply`, `fieldLookup`,
// `literal`), parsed within limits, checked against the table's columns, and written as Spark SQL
// with every name quoted and every value escaped — a filter can narrow rows, never change the query.
public import FlowModel
import Foundation

/// A literal in a filter.
public enum FilterLiteral: Sendable, Hashable {
    case string(String)
    case integer(Int64)
    case number(Double)
    case bool(Bool)

    var sql: String {
        switch self {
        case .string(let text): SQLIdentifier.literal(text)
        case .integer(let number): String(number)
        // The `D` suffix makes a DOUBLE literal in Spark SQL (plain `1.5` would be a DECIMAL); Swift
        // prints the shortest text that reads back as the same double.
        case .number(let number): "\(number)D"
        case .bool(let flag): flag ? "TRUE" : "FALSE"
        }
    }
}

/// A row filter.
public indirect enum RowFilter: Sendable, Hashable {
    /// The comparison operators PQL offers.
    public enum Comparison: String, Sendable, Hashable, CaseIterable {
        case equal = "="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
    }

    case compare(String, Comparison, FilterLiteral)
    case like(String, pattern: String)
    case isIn(String, [FilterLiteral])
    case isNull(String)
    case and([RowFilter])
    case or([RowFilter])
    case not(RowFilter)

    /// The largest encoded filter accepted, in bytes.
    public static let maximumEncodedBytes = 64 * 1024
    /// The deepest nesting accepted.
    public static let maximumDepth = 32
    /// The most nodes accepted.
    public static let maximumNodes = 1000

    /// Parses `filters`: base64 (standard or URL-safe, padding optional) of PQL JSON, either the
    /// envelope `{"type":"PQL","format":"pql/json","value":{…}}` or the bare expression.
    public init(base64 text: String) throws(ConnectorError) {
        guard text.utf8.count <= Self.maximumEncodedBytes else {
            throw ConnectorError(.invalidFilter, "the filter is longer than \(Self.maximumEncodedBytes) bytes")
        }
        guard let data = Base64URL.decode(text.trimmingCharacters(in: .whitespaces)) else {
            throw ConnectorError(.invalidFilter, "filters must be base64-encoded PQL JSON")
        }
        let document: JSONValue
        do {
            document = try JSONValue(parsing: data)
        } catch {
            throw ConnectorError(.invalidFilter, "filters must be base64-encoded PQL JSON; the decoded text is not JSON")
        }
        try self.init(pql: document)
    }

    /// Parses a PQL JSON document (envelope or bare expression).
    public init(pql document: JSONValue) throws(ConnectorError) {
        var expression = document
        if document["nodeType"] == nil, let value = document["value"] {
            if let type = document["type"]?.stringValue, type.uppercased() != "PQL" {
                throw ConnectorError(.invalidFilter, "the filter type must be PQL")
            }
            if let format = document["format"]?.stringValue, format.lowercased() != "pql/json" {
                throw ConnectorError(.invalidFilter, "the filter format must be pql/json")
            }
            expression = value
        }
        var nodes = 0
        self = try Self.parse(expression, depth: 0, nodes: &nodes)
    }

    private static func parse(_ node: JSONValue, depth: Int, nodes: inout Int) throws(ConnectorError) -> RowFilter {
        nodes += 1
        guard depth < maximumDepth, nodes <= maximumNodes else {
            throw ConnectorError(.invalidFilter, "the filter is too large (at most \(maximumDepth) levels and \(maximumNodes) nodes)")
        }
        guard node["nodeType"]?.stringValue == "fnApply", let function = node["fnName"]?.stringValue,
            let params = node["params"]?.arrayValue
        else {
            throw ConnectorError(.invalidFilter, "each filter expression must be {\"nodeType\":\"fnApply\",\"fnName\":…,\"params\":[…]}")
        }
        nodes += params.count
        let name = function.lowercased()
        switch name {
        case "and", "or":
            guard params.count >= 2 else { throw ConnectorError(.invalidFilter, "'\(name)' needs at least two operands") }
            var operands: [RowFilter] = []
            for param in params { operands.append(try parse(param, depth: depth + 1, nodes: &nodes)) }
            return name == "and" ? .and(operands) : .or(operands)
        case "not":
            guard params.count == 1 else { throw ConnectorError(.invalidFilter, "'NOT' takes exactly one operand") }
            return .not(try parse(params[0], depth: depth + 1, nodes: &nodes))
        case "isnull":
            guard params.count == 1 else { throw ConnectorError(.invalidFilter, "'isNull' takes exactly one field") }
            return .isNull(try field(params[0], of: function))
        case "like":
            guard params.count == 2, case .string(let pattern) = try literal(params[1], of: function) else {
                throw ConnectorError(.invalidFilter, "'like' takes a field and a string pattern")
            }
            return .like(try field(params[0], of: function), pattern: pattern)
        case "in":
            guard params.count >= 2 else { throw ConnectorError(.invalidFilter, "'in' takes a field and at least one value") }
            var values: [FilterLiteral] = []
            for param in params.dropFirst() {
                if case .array(let elements)? = param["value"], param["nodeType"]?.stringValue == "literal" {
                    nodes += elements.count
                    for element in elements { values.append(try literalValue(element, of: function)) }
                } else {
                    values.append(try literal(param, of: function))
                }
            }
            guard !values.isEmpty, nodes <= maximumNodes else {
                throw ConnectorError(.invalidFilter, "'in' takes 1 to \(maximumNodes) values")
            }
            return .isIn(try field(params[0], of: function), values)
        default:
            guard let comparison = Comparison(rawValue: function) else {
                throw ConnectorError(
                    .invalidFilter,
                    "unknown filter function '\(function.prefix(40))'; use =, !=, <, <=, >, >=, like, in, isNull, and, or, NOT"
                )
            }
            guard params.count == 2 else { throw ConnectorError(.invalidFilter, "'\(function)' takes a field and a value") }
            return .compare(try field(params[0], of: function), comparison, try literal(params[1], of: function))
        }
    }

    private static func field(_ node: JSONValue, of function: String) throws(ConnectorError) -> String {
        guard node["nodeType"]?.stringValue == "fieldLookup", let name = node["fieldName"]?.stringValue, !name.isEmpty else {
            throw ConnectorError(
                .invalidFilter,
                "the first operand of '\(function.prefix(40))' must be {\"nodeType\":\"fieldLookup\",\"fieldName\":…}"
            )
        }
        return name
    }

    private static func literal(_ node: JSONValue, of function: String) throws(ConnectorError) -> FilterLiteral {
        guard node["nodeType"]?.stringValue == "literal", let value = node["value"] else {
            throw ConnectorError(.invalidFilter, "the value operand of '\(function.prefix(40))' must be {\"nodeType\":\"literal\",\"value\":…}")
        }
        return try literalValue(value, of: function)
    }

    private static func literalValue(_ value: JSONValue, of function: String) throws(ConnectorError) -> FilterLiteral {
        switch value {
        case .string(let text): return .string(text)
        case .integer(let number): return .integer(number)
        case .number(let number): return .number(number)
        case .bool(let flag): return .bool(flag)
        case .null:
            throw ConnectorError(.invalidFilter, "'\(function.prefix(40))' cannot compare with null; use isNull (and NOT) instead")
        case .array, .object:
            throw ConnectorError(.invalidFilter, "a literal of '\(function.prefix(40))' must be a string, number or boolean")
        }
    }

    /// The fields the filter reads.
    public var fields: [String] {
        switch self {
        case .compare(let field, _, _), .like(let field, _), .isIn(let field, _), .isNull(let field): [field]
        case .and(let operands), .or(let operands): operands.flatMap(\.fields)
        case .not(let operand): operand.fields
        }
    }

    /// The filter as a Spark SQL condition over `columns`. A field that is not a column (matched
    /// exactly, else ignoring case as Spark does) is an error naming it.
    public func sql(columns: [SourceColumn]) throws(ConnectorError) -> String {
        switch self {
        case .compare(let field, let comparison, let value):
            return "\(try Self.column(field, in: columns)) \(comparison == .notEqual ? "<>" : comparison.rawValue) \(value.sql)"
        case .like(let field, let pattern):
            return "\(try Self.column(field, in: columns)) LIKE \(SQLIdentifier.literal(pattern))"
        case .isIn(let field, let values):
            return "\(try Self.column(field, in: columns)) IN (\(values.map(\.sql).joined(separator: ", ")))"
        case .isNull(let field):
            return "\(try Self.column(field, in: columns)) IS NULL"
        case .and(let operands), .or(let operands):
            var parts: [String] = []
            for operand in operands { parts.append(try operand.sql(columns: columns)) }
            if case .and = self { return "(" + parts.joined(separator: " AND ") + ")" }
            return "(" + parts.joined(separator: " OR ") + ")"
        case .not(let operand):
            return "(NOT \(try operand.sql(columns: columns)))"
        }
    }

    private static func column(_ field: String, in columns: [SourceColumn]) throws(ConnectorError) -> String {
        if let exact = columns.first(where: { $0.name == field }) { return SQLIdentifier.quoted(exact.name) }
        if let folded = columns.first(where: { $0.name.lowercased() == field.lowercased() }) { return SQLIdentifier.quoted(folded.name) }
        let known = columns.prefix(20).map(\.name).joined(separator: ", ")
        throw ConnectorError(
            .invalidFilter,
            "the filter names '\(field.prefix(100))', which is not a column of the table (columns: \(known)\(columns.count > 20 ? ", …" : ""))"
        )
    }
}
