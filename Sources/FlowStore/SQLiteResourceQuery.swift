// A ResourceQuery as SQLite evaluates it: columns and indexed JSON references compared directly
// (so indexes serve them), other body members through json_type/json_extract with the exact
// semantics of PropertyFilter, and members that hold arrays through the filter itself, run on
// the member's JSON by a function the query registers. Ordering by type rank, value and id, and
// continuing after a position, is done in SQL too.
import FlowModel
import Foundation
import GRDB

/// SQL text and its arguments, built left to right.
struct SQLFragment: Sendable {
    var sql = ""
    var arguments: [DatabaseValue] = []

    mutating func append(_ text: String) { sql += text }

    /// Appends a placeholder bound to `value`.
    mutating func bind(_ value: (any DatabaseValueConvertible)?) {
        sql += "?"
        arguments.append(value?.databaseValue ?? .null)
    }

    var statementArguments: StatementArguments { StatementArguments(arguments) }
}

/// A stored field as SQL: its value, and either its fixed type or an expression naming the type.
struct SQLField {
    /// What the value is.
    enum Kind {
        /// Always text (or NULL when `nullable`): compared as text.
        case text(nullable: Bool)
        /// Always an integer.
        case integer
        /// Any JSON value at a path of the body (its segments, and as a JSON path): typed by `json_type`.
        case json(segments: [String], path: String)
        /// Nothing.
        case absent
    }

    var value: String
    var kind: Kind

    static let typeRanks =
        "CASE json_type(body, %@) WHEN 'true' THEN 1 WHEN 'false' THEN 1 WHEN 'integer' THEN 2 WHEN 'real' THEN 2 WHEN 'text' THEN 3 WHEN 'array' THEN 4 WHEN 'object' THEN 5 ELSE 0 END"

    init(value: String, kind: Kind) {
        self.value = value
        self.kind = kind
    }

    /// The field, or `nil` when it can only be matched by the filter itself (a path SQLite's JSON
    /// paths cannot spell).
    init?(_ field: StoredField) {
        switch field {
        case .id: self.init(value: "id", kind: .text(nullable: false))
        case .createdAt: self.init(value: "created_at", kind: .integer)
        case .updatedAt: self.init(value: "updated_at", kind: .integer)
        case .etag: self.init(value: "etag", kind: .text(nullable: false))
        case .orgId: self.init(value: "org_id", kind: .text(nullable: false))
        case .sandboxName: self.init(value: "sandbox_name", kind: .text(nullable: false))
        case .state(let fallback):
            if let fallback {
                self.init(value: "COALESCE(state, \(Self.literal(fallback)))", kind: .text(nullable: false))
            } else {
                self.init(value: "state", kind: .text(nullable: true))
            }
        case .metadata(let name):
            guard let path = Self.jsonPath([name]) else { return nil }
            self.init(value: "json_extract(metadata, \(Self.literal(path)))", kind: .text(nullable: false))
        case .reference(let path):
            self.init(value: "json_extract(body, \(Self.literal(path)))", kind: .text(nullable: true))
        case .body(let segments):
            guard let path = Self.jsonPath(segments) else { return nil }
            self.init(value: "json_extract(body, \(Self.literal(path)))", kind: .json(segments: segments, path: path))
        case .absent:
            self.init(value: "NULL", kind: .absent)
        }
    }

    /// `$."a"."b"`, or `nil` for segments SQLite cannot quote or `[]` (any element).
    static func jsonPath(_ segments: [String]) -> String? {
        guard !segments.isEmpty, segments.allSatisfy({ !$0.contains("\"") && $0 != "[]" }) else { return nil }
        return "$" + segments.map { ".\"\($0)\"" }.joined()
    }

    /// A SQL string literal.
    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// The rank of the value's type in the order; `nil` when it is the same for every row.
    var rank: String? {
        switch kind {
        case .text(nullable: true): "(CASE WHEN \(value) IS NULL THEN 0 ELSE 3 END)"
        case .json(_, let path): "(" + Self.typeRanks.replacingOccurrences(of: "%@", with: Self.literal(path)) + ")"
        case .text(nullable: false), .integer, .absent: nil
        }
    }

    /// The rank every row has when ``rank`` is `nil`.
    var fixedRank: Int {
        switch kind {
        case .integer: 2
        case .text: 3
        case .json, .absent: 0
        }
    }
}

/// The WHERE conditions of filters.
enum SQLFilters {
    /// `filter` on `field` as a condition that is never NULL. `filters` collects the filters
    /// that run as a function (`tributary_match(json, index)`).
    static func condition(_ field: StoredField, _ filter: PropertyFilter, into sql: inout SQLFragment, functionFilters: inout [PropertyFilter]) {
        guard let column = SQLField(field) else {
            guard case .body = field else {
                sql.append("0")
                return
            }
            sql.append("tributary_match(body, ")
            sql.bind(functionFilters.count)
            sql.append(")")
            functionFilters.append(filter)
            return
        }
        switch column.kind {
        case .absent:
            // No candidate: only absence and "not equal" hold.
            sql.append(filter.op == .notExists || filter.op == .notEqual ? "1" : "0")
        case .text(let nullable):
            typed(column.value, nullable: nullable, filter, textual: true, into: &sql)
        case .integer:
            typed(column.value, nullable: false, filter, textual: false, into: &sql)
        case .json(let segments, let path):
            // A member on the way that is an array makes every element a candidate: the filter itself decides.
            sql.append("(CASE WHEN ")
            sql.append(
                (1...segments.count).map { "json_type(body, \(SQLField.literal(SQLField.jsonPath(Array(segments.prefix($0)))!))) = 'array'" }
                    .joined(separator: " OR ")
            )
            sql.append(" THEN tributary_match(body, ")
            sql.bind(functionFilters.count)
            functionFilters.append(filter)
            sql.append(") ELSE ")
            scalar(type: "json_type(body, \(SQLField.literal(path)))", value: column.value, filter, into: &sql)
            sql.append(" END)")
        }
    }

    /// A field of one type: compared directly, so an index on it serves `==` and ranges.
    private static func typed(_ value: String, nullable: Bool, _ filter: PropertyFilter, textual: Bool, into sql: inout SQLFragment) {
        let operands: [(any DatabaseValueConvertible)] =
            textual ? filter.values : filter.values.compactMap { Double($0).flatMap { $0.isFinite ? $0 : nil } }
        switch filter.op {
        case .exists:
            sql.append(nullable ? "(\(value) IS NOT NULL)" : "1")
        case .notExists:
            sql.append(nullable ? "(\(value) IS NULL)" : "0")
        case .equal, .notEqual:
            guard !operands.isEmpty else {
                sql.append(filter.op == .equal ? "0" : "1")
                return
            }
            sql.append(filter.op == .equal ? "(\(value) IN (" : "(\(value) IS NULL OR \(value) NOT IN (")
            for (index, operand) in operands.enumerated() {
                if index > 0 { sql.append(", ") }
                sql.bind(operand)
            }
            sql.append("))")
        case .greater, .less, .greaterOrEqual, .lessOrEqual:
            anyOf(value, filter.op.rawValue, operands, into: &sql)
        }
    }

    /// `(subject op ? OR subject op ? …)` over `operands`, or `0` (false) without any.
    private static func anyOf(_ subject: String, _ op: String, _ operands: [any DatabaseValueConvertible], into sql: inout SQLFragment) {
        guard !operands.isEmpty else {
            sql.append("0")
            return
        }
        sql.append("(")
        for (index, operand) in operands.enumerated() {
            if index > 0 { sql.append(" OR ") }
            sql.append("\(subject) \(op) ")
            sql.bind(operand)
        }
        sql.append(")")
    }

    /// A JSON member that is not an array: compared by its type as ``PropertyFilter`` compares.
    private static func scalar(type: String, value: String, _ filter: PropertyFilter, into sql: inout SQLFragment) {
        switch filter.op {
        case .exists:
            sql.append("(COALESCE(\(type), 'null') != 'null')")
        case .notExists:
            sql.append("(COALESCE(\(type), 'null') = 'null')")
        case .notEqual:
            var equal = filter
            equal.op = .equal
            sql.append("NOT ")
            scalar(type: type, value: value, equal, into: &sql)
        case .equal, .greater, .less, .greaterOrEqual, .lessOrEqual:
            let op = filter.op == .equal ? "=" : filter.op.rawValue
            sql.append("(CASE \(type)")
            var numbers: [Double] = []
            var flags: [Int] = []
            var nullMatches = false
            for text in filter.values {
                if let number = Double(text), number.isFinite { numbers.append(number) }
                if let flag = Bool(text.lowercased()) { flags.append(flag ? 1 : 0) }
                if text == "null" && [.equal, .greaterOrEqual, .lessOrEqual].contains(filter.op) { nullMatches = true }
            }
            func any(_ subject: String, _ operands: [any DatabaseValueConvertible]) { anyOf(subject, op, operands, into: &sql) }
            sql.append(" WHEN 'integer' THEN ")
            any(value, numbers)
            sql.append(" WHEN 'real' THEN ")
            any(value, numbers)
            sql.append(" WHEN 'true' THEN ")
            any("1", flags)
            sql.append(" WHEN 'false' THEN ")
            any("0", flags)
            sql.append(" WHEN 'text' THEN ")
            any(value, filter.values)
            sql.append(" WHEN 'null' THEN \(nullMatches ? 1 : 0) ELSE 0 END)")
        }
    }
}
