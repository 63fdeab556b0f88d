// The `property=` filters of Flow Service list calls: `name==x`, `createdAt>123`, `id==a,b` (OR),
// dotted paths (`auth.specName`), `[]` for arrays (`sourceConnectionIds[]==…`), `field` / `!field`
// for presence. Several `property` parameters must all hold (AND).

/// One `property=` expression.
public struct PropertyFilter: Sendable, Hashable {
    /// A comparison operator.
    public enum Operator: String, Sendable, Hashable, CaseIterable {
        case equal = "=="
        case notEqual = "!="
        case greaterOrEqual = ">="
        case lessOrEqual = "<="
        case greater = ">"
        case less = "<"
        case exists = ""
        case notExists = "!"
    }

    /// The path segments of the field, e.g. `["auth", "specName"]`; `[]` segments stand for "any element".
    public var path: [String]
    /// The comparison.
    public var op: Operator
    /// The values; the filter holds when any of them compares true (`!=` : none of them is equal).
    public var values: [String]
    /// The original text, for messages.
    public var expression: String

    /// The longest expression accepted, and the most comma-separated values.
    public static let maximumLength = 2048
    /// The most OR values in one expression.
    public static let maximumValues = 100

    /// A filter made by the service itself: the values are taken as they are (no commas split, no quotes removed).
    public init(path: [String], op: Operator, values: [String]) {
        self.path = path
        self.op = op
        self.values = values
        self.expression = path.joined(separator: ".") + op.rawValue + values.joined(separator: ",")
    }

    /// Parses an expression such as `name=="My connection"` or `createdAt>=1593134665781`.
    public init(parsing expression: String) throws(FlowError) {
        self.expression = expression
        guard !expression.isEmpty, expression.count <= Self.maximumLength else {
            throw FlowError.invalidFilter(String(expression.prefix(64)), reason: "an expression must have 1 to \(Self.maximumLength) characters")
        }
        guard !expression.utf8.contains(0) else {
            throw FlowError.invalidFilter(
                String(expression.prefix(64).map { $0 == "\u{0}" ? "?" : $0 }),
                reason: "the character U+0000 (NUL) is not allowed"
            )
        }
        // Find the first operator occurrence; two-character operators win over one-character ones.
        var found: (Operator, Range<String.Index>)?
        var index = expression.startIndex
        search: while index < expression.endIndex {
            for candidate in [Operator.equal, .notEqual, .greaterOrEqual, .lessOrEqual, .greater, .less] {
                if expression[index...].hasPrefix(candidate.rawValue) {
                    found = (candidate, index..<expression.index(index, offsetBy: candidate.rawValue.count))
                    break search
                }
            }
            index = expression.index(after: index)
        }
        let field: Substring
        if let (op, range) = found {
            self.op = op
            field = expression[..<range.lowerBound]
            let rawValues = expression[range.upperBound...].split(separator: ",", omittingEmptySubsequences: false)
            guard rawValues.count <= Self.maximumValues else {
                throw FlowError.invalidFilter(expression, reason: "at most \(Self.maximumValues) comma-separated values")
            }
            self.values = rawValues.map { Self.unquote($0.trimmingSpaces) }
        } else if expression.hasPrefix("!") {
            self.op = .notExists
            field = expression.dropFirst()
            self.values = []
        } else if expression.contains("=") {
            throw FlowError.invalidFilter(expression, reason: "unknown operator; use ==, !=, >, <, >= or <=")
        } else {
            self.op = .exists
            field = expression[...]
            self.values = []
        }
        let trimmed = field.trimmingSpaces
        guard !trimmed.isEmpty else { throw FlowError.invalidFilter(expression, reason: "the field name is missing") }
        var segments: [String] = []
        for part in trimmed.split(separator: ".", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw FlowError.invalidFilter(expression, reason: "the field path has an empty segment") }
            if part.hasSuffix("[]") {
                segments.append(String(part.dropLast(2)))
                segments.append("[]")
            } else {
                segments.append(String(part))
            }
        }
        self.path = segments
    }

    private static func unquote(_ value: String) -> String {
        if value.count >= 2, let first = value.first, first == value.last, first == "\"" || first == "'" {
            return String(value.dropFirst().dropLast())
        }
        return value
    }

    /// Whether `document` satisfies the filter.
    public func matches(_ document: JSONValue) -> Bool {
        let candidates = Self.values(at: path[...], in: document)
        switch op {
        case .exists: return candidates.contains { $0 != .null }
        case .notExists: return !candidates.contains { $0 != .null }
        case .notEqual: return !candidates.contains { candidate in values.contains { Self.compare(candidate, $0) == 0 } }
        default:
            return candidates.contains { candidate in
                values.contains { value in
                    guard let order = Self.compare(candidate, value) else { return false }
                    switch op {
                    case .equal: return order == 0
                    case .greater: return order > 0
                    case .less: return order < 0
                    case .greaterOrEqual: return order >= 0
                    case .lessOrEqual: return order <= 0
                    default: return false
                    }
                }
            }
        }
    }

    private static func values(at path: ArraySlice<String>, in document: JSONValue) -> [JSONValue] {
        guard let segment = path.first else {
            return [document]
        }
        let rest = path.dropFirst()
        if segment == "[]" {
            return (document.arrayValue ?? []).flatMap { values(at: rest, in: $0) }
        }
        guard let child = document[segment] else { return [] }
        // An array reached without `[]` still matches on any element, as users expect.
        if case .array(let elements) = child, rest.first != "[]" {
            return [child] + elements.flatMap { values(at: rest, in: $0) }
        }
        return values(at: rest, in: child)
    }

    /// Compares a document value with a filter value: numerically when both are numbers,
    /// as booleans for `true`/`false`, else as text. `nil` when they cannot be ordered.
    static func compare(_ candidate: JSONValue, _ value: String) -> Int? {
        switch candidate {
        case .integer, .number:
            guard let number = Double(value), number.isFinite, let own = candidate.doubleValue else { return nil }
            return own < number ? -1 : (own > number ? 1 : 0)
        case .bool(let own):
            guard let flag = Bool(value.lowercased()) else { return nil }
            return own == flag ? 0 : (own ? 1 : -1)
        case .string(let own):
            return compareText(own, value)
        case .null:
            return value == "null" ? 0 : nil
        default:
            return nil
        }
    }
}

extension PropertyFilter {
    /// Text order by code points (the order of UTF-8 bytes, as databases compare text), not by
    /// Unicode canonical equivalence as Swift's `<` and `==` do: the same wherever a list is answered.
    static func compareText(_ a: String, _ b: String) -> Int {
        if a.utf8.elementsEqual(b.utf8) { return 0 }
        return a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : 1
    }
}

extension Substring {
    var trimmingSpaces: String {
        String(self.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
