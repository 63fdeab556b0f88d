// A ResourceQuery as PostgreSQL evaluates it, with the semantics SQLite's translation has: columns
// and indexed references compared directly (so indexes serve them), other body members through
// JSONB with the exact semantics of PropertyFilter — a member reached through arrays by the
// `tributary_candidates` function the migrations create, which yields every value the filter
// looks at — and the order by type rank, value and id, continued after a position, in SQL too.
// Text is compared as bytes (COLLATE "C"), as SQLite and the in-memory semantics compare it.
import FlowModel
import Foundation
import PostgresNIO

/// SQL text and its parameters (`$1`, `$2`, …), built left to right.
struct PostgresFragment: Sendable {
    var sql = ""
    var binds = PostgresBindings()

    mutating func append(_ text: String) { sql += text }

    /// Appends a placeholder bound to `value`.
    mutating func bind(_ value: some PostgresDynamicTypeEncodable) {
        binds.append(value)
        sql += "$\(binds.count)"
    }

    var query: PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }
}

/// A stored field as PostgreSQL SQL.
struct PostgresField {
    enum Kind {
        /// Text, or NULL when `nullable`.
        case text(nullable: Bool)
        /// A bigint.
        case integer
        /// A JSONB value at a path of the body (`value` is the JSONB expression).
        case json(segments: [String])
        /// Nothing.
        case absent
    }

    var value: String
    var kind: Kind

    init(value: String, kind: Kind) {
        self.value = value
        self.kind = kind
    }

    init(_ field: StoredField) {
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
            self.init(value: "((metadata ->> \(Self.literal(name))) COLLATE \"C\")", kind: .text(nullable: false))
        case .reference(let path):
            self.init(value: Self.reference(path), kind: .text(nullable: true))
        case .body(let segments):
            if segments.isEmpty || segments.contains("[]") {
                // Only the filter itself can look through `[]`; such a field orders nothing.
                self.init(value: "NULL", kind: .json(segments: segments))
            } else {
                self.init(value: "(body #> \(Self.pathLiteral(segments)))", kind: .json(segments: segments))
            }
        case .absent:
            self.init(value: "NULL", kind: .absent)
        }
    }

    /// The text of a reference (`$.flowId`, `$.sourceConnectionIds[0]`), exactly as the indexes
    /// the migrations create spell it, so that they serve it.
    static func reference(_ path: String) -> String {
        "((body #>> \(pathLiteral(referenceSegments(path)))) COLLATE \"C\")"
    }

    /// `$.a.b[0]` as path segments: `["a", "b", "0"]`.
    static func referenceSegments(_ path: String) -> [String] {
        var segments: [String] = []
        for part in path.dropFirst(path.hasPrefix("$.") ? 2 : 0).split(separator: ".") {
            var name = Substring(part)
            var indexes: [String] = []
            while name.hasSuffix("]"), let open = name.lastIndex(of: "[") {
                indexes.insert(String(name[name.index(after: open)..<name.index(before: name.endIndex)]), at: 0)
                name = name[..<open]
            }
            segments.append(String(name))
            segments += indexes
        }
        return segments
    }

    /// A SQL string literal (standard-conforming: only quotes are doubled).
    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// A text[] literal of path segments.
    static func pathLiteral(_ segments: [String]) -> String {
        "ARRAY[" + segments.map(literal).joined(separator: ", ") + "]::text[]"
    }

    /// The rank of a JSONB value's type in the order (null, booleans, numbers, text, arrays, objects).
    static func typeRank(_ json: String) -> String {
        "(CASE jsonb_typeof(\(json)) WHEN 'boolean' THEN 1 WHEN 'number' THEN 2 WHEN 'string' THEN 3 WHEN 'array' THEN 4 WHEN 'object' THEN 5 ELSE 0 END)"
    }

    /// The expressions the order sorts by, before the id, each never NULL.
    var sortKeys: [String] {
        switch kind {
        case .absent: []
        case .json where value == "NULL": []
        case .integer: [value]
        case .text(nullable: false): [value]
        case .text(nullable: true): ["(CASE WHEN \(value) IS NULL THEN 0 ELSE 3 END)", "COALESCE(\(value), '')"]
        case .json:
            [
                Self.typeRank(value),
                "COALESCE(CASE jsonb_typeof(\(value)) WHEN 'number' THEN (\(value))::float8 END, 0)",
                "(COALESCE(CASE jsonb_typeof(\(value)) WHEN 'string' THEN \(value) #>> '{}' WHEN 'boolean' THEN (\(value))::text WHEN 'array' THEN (\(value))::text WHEN 'object' THEN (\(value))::text END, '') COLLATE \"C\")",
            ]
        }
    }

    /// The rank of a row's value, as a cursor keeps it.
    var rank: String {
        switch kind {
        case .absent: "0"
        case .json where value == "NULL": "0"
        case .integer: "2"
        case .text(nullable: false): "3"
        case .text(nullable: true): "(CASE WHEN \(value) IS NULL THEN 0 ELSE 3 END)"
        case .json: Self.typeRank(value)
        }
    }

    /// The value a cursor keeps: for JSON members of arrays and objects, the text the order compares.
    var cursorValue: String {
        switch kind {
        case .json where value != "NULL":
            "(CASE WHEN jsonb_typeof(\(value)) IN ('array', 'object') THEN to_jsonb((\(value))::text) ELSE \(value) END)::text"
        case .integer: "to_jsonb(\(value))::text"
        case .text: "to_jsonb(\(value))::text"
        case .absent, .json: "NULL"
        }
    }

    /// Binds the cursor's position as values of ``sortKeys``.
    /// - Throws: ``FlowStoreError`` `invalidPosition` when the cursor cannot be a position of this order.
    func bindPosition(_ cursor: ListQuery.Cursor, into sql: inout PostgresFragment) throws(FlowStoreError) {
        let invalid = FlowStoreError(.invalidPosition, "the continuation token's position does not fit its order")
        switch kind {
        case .absent:
            break
        case .json where value == "NULL":
            break
        case .integer:
            guard case .integer(let number) = cursor.value else { throw invalid }
            sql.bind(number)
            sql.append(", ")
        case .text(nullable: false):
            guard case .string(let text) = cursor.value else { throw invalid }
            sql.bind(text)
            sql.append(", ")
        case .text(nullable: true):
            switch cursor.value {
            case .string(let text):
                sql.append("3, ")
                sql.bind(text)
            case .null:
                sql.append("0, ''")
            default: throw invalid
            }
            sql.append(", ")
        case .json:
            let rank = Int64(cursor.rank ?? 0)
            var number = 0.0
            var text = ""
            switch (rank, cursor.value) {
            case (0, _): break
            case (1, .bool(let flag)): text = flag ? "true" : "false"
            case (2, let value): number = value.doubleValue ?? 0
            case (3, .string(let value)), (4, .string(let value)), (5, .string(let value)): text = value
            default: throw invalid
            }
            sql.bind(rank)
            sql.append(", ")
            sql.bind(number)
            sql.append(", ")
            sql.bind(text)
            sql.append(", ")
        }
    }
}

/// The WHERE conditions of filters.
enum PostgresFilters {
    /// `filter` on `field` as a condition that is never NULL.
    static func condition(_ field: StoredField, _ filter: PropertyFilter, into sql: inout PostgresFragment) {
        let column = PostgresField(field)
        switch column.kind {
        case .absent:
            // No candidate: only absence and "not equal" hold.
            sql.append(filter.op == .notExists || filter.op == .notEqual ? "true" : "false")
        case .text(let nullable):
            typed(column.value, nullable: nullable, filter, textual: true, into: &sql)
        case .integer:
            typed(column.value, nullable: false, filter, textual: false, into: &sql)
        case .json(let segments):
            guard column.value != "NULL" else {
                candidates(segments, filter, into: &sql)
                return
            }
            // A member on the way that is an array makes every element a candidate: the candidates
            // function decides; otherwise the member is the only candidate, compared in place.
            sql.append("(CASE WHEN ")
            sql.append(
                (1...segments.count).map { "jsonb_typeof(body #> \(PostgresField.pathLiteral(Array(segments.prefix($0))))) = 'array'" }
                    .joined(separator: " OR ")
            )
            sql.append(" THEN ")
            candidates(segments, filter, into: &sql)
            sql.append(" ELSE ")
            scalar(column.value, filter, into: &sql)
            sql.append(" END)")
        }
    }

    /// The filter over every value `tributary_candidates` finds at the path.
    private static func candidates(_ segments: [String], _ filter: PropertyFilter, into sql: inout PostgresFragment) {
        let source = "tributary_candidates(body, \(PostgresField.pathLiteral(segments))) AS candidate(value)"
        switch filter.op {
        case .exists, .notExists:
            sql.append(filter.op == .exists ? "EXISTS" : "NOT EXISTS")
            sql.append(" (SELECT 1 FROM \(source) WHERE jsonb_typeof(candidate.value) <> 'null')")
        case .notEqual:
            var equal = filter
            equal.op = .equal
            sql.append("NOT EXISTS (SELECT 1 FROM \(source) WHERE ")
            scalar("candidate.value", equal, into: &sql)
            sql.append(")")
        default:
            sql.append("EXISTS (SELECT 1 FROM \(source) WHERE ")
            scalar("candidate.value", filter, into: &sql)
            sql.append(")")
        }
    }

    /// A field of one type: compared directly, so an index on it serves `==` and ranges.
    private static func typed(_ value: String, nullable: Bool, _ filter: PropertyFilter, textual: Bool, into sql: inout PostgresFragment) {
        let numbers = filter.values.compactMap { Double($0).flatMap { $0.isFinite ? $0 : nil } }
        let count = textual ? filter.values.count : numbers.count
        func operand(_ index: Int) {
            if textual { sql.bind(filter.values[index]) } else { sql.bind(numbers[index]) }
        }
        switch filter.op {
        case .exists:
            sql.append(nullable ? "(\(value) IS NOT NULL)" : "true")
        case .notExists:
            sql.append(nullable ? "(\(value) IS NULL)" : "false")
        case .equal, .notEqual:
            guard count > 0 else {
                sql.append(filter.op == .equal ? "false" : "true")
                return
            }
            sql.append(filter.op == .equal ? "(\(value) IN (" : "(\(value) IS NULL OR \(value) NOT IN (")
            for index in 0..<count {
                if index > 0 { sql.append(", ") }
                operand(index)
            }
            sql.append("))")
        case .greater, .less, .greaterOrEqual, .lessOrEqual:
            anyOf(value, filter.op.rawValue, count, into: &sql) { index, fragment in
                if textual { fragment.bind(filter.values[index]) } else { fragment.bind(numbers[index]) }
            }
        }
    }

    /// `(subject op $1 OR subject op $2 …)` over `count` operands that `bind` binds, or `false` without any.
    private static func anyOf(
        _ subject: String,
        _ op: String,
        _ count: Int,
        into sql: inout PostgresFragment,
        _ bind: (Int, inout PostgresFragment) -> Void
    ) {
        guard count > 0 else {
            sql.append("false")
            return
        }
        sql.append("(")
        for index in 0..<count {
            if index > 0 { sql.append(" OR ") }
            sql.append("\(subject) \(op) ")
            bind(index, &sql)
        }
        sql.append(")")
    }

    /// A JSONB value that is not an array: compared by its type as ``PropertyFilter`` compares.
    private static func scalar(_ json: String, _ filter: PropertyFilter, into sql: inout PostgresFragment) {
        let type = "jsonb_typeof(\(json))"
        switch filter.op {
        case .exists:
            sql.append("(COALESCE(\(type), 'null') <> 'null')")
        case .notExists:
            sql.append("(COALESCE(\(type), 'null') = 'null')")
        case .notEqual:
            var equal = filter
            equal.op = .equal
            sql.append("NOT ")
            scalar(json, equal, into: &sql)
        case .equal, .greater, .less, .greaterOrEqual, .lessOrEqual:
            let op = filter.op == .equal ? "=" : filter.op.rawValue
            var numbers: [Double] = []
            var flags: [Bool] = []
            var nullMatches = false
            for text in filter.values {
                if let number = Double(text), number.isFinite { numbers.append(number) }
                if let flag = Bool(text.lowercased()) { flags.append(flag) }
                if text == "null" && [.equal, .greaterOrEqual, .lessOrEqual].contains(filter.op) { nullMatches = true }
            }
            func any(_ subject: String, _ count: Int, _ bind: (Int, inout PostgresFragment) -> Void) {
                anyOf(subject, op, count, into: &sql, bind)
            }
            sql.append("COALESCE(CASE \(type) WHEN 'number' THEN ")
            any("(\(json))::float8", numbers.count) { $1.bind(numbers[$0]) }
            sql.append(" WHEN 'boolean' THEN ")
            any("(\(json))::boolean", flags.count) { $1.bind(flags[$0]) }
            sql.append(" WHEN 'string' THEN ")
            any("((\(json) #>> '{}') COLLATE \"C\")", filter.values.count) { $1.bind(filter.values[$0]) }
            sql.append(" WHEN 'null' THEN \(nullMatches) ELSE false END, false)")
        }
    }
}
