// A draft-07 JSON Schema validator for the subset Flow Service specs use (and a little more).
// Messages name the failing field and the rule, never the field's value: values may be secrets.
import Foundation

/// One way an instance fails a schema.
public struct SchemaViolation: Sendable, Hashable, CustomStringConvertible {
    /// Where in the instance, as a JSON Pointer (`/params/domain`; empty for the root).
    public var instancePath: String
    /// The keyword that failed, e.g. `required` or `pattern`.
    public var keyword: String
    /// A sentence that names the field and the rule.
    public var message: String

    /// The message.
    public var description: String { message }
}

/// A draft-07 JSON Schema document.
///
/// Supported keywords: `type`, `enum`, `const`, `minimum`, `maximum`, `exclusiveMinimum`,
/// `exclusiveMaximum`, `multipleOf`, `minLength`, `maxLength`, `pattern`, `format` (`uri` asserted;
/// `password` and others are annotations), `items`, `additionalItems`, `minItems`, `maxItems`,
/// `uniqueItems`, `contains`, `properties`, `patternProperties`, `additionalProperties`, `required`,
/// `minProperties`, `maxProperties`, `propertyNames`, `dependencies`, `allOf`, `anyOf`, `oneOf`, `not`,
/// `if`/`then`/`else`, boolean schemas, and `$ref` to a JSON Pointer within the same document.
public struct JSONSchema: Sendable, Hashable {
    /// The schema document.
    public var document: JSONValue

    /// Wraps a schema document.
    public init(_ document: JSONValue) { self.document = document }

    /// Whether `instance` satisfies the schema.
    public func isValid(_ instance: JSONValue) -> Bool { validate(instance).isEmpty }

    /// Every violation of the schema by `instance` (empty when valid).
    public func validate(_ instance: JSONValue) -> [SchemaViolation] {
        var validator = Validator(root: document)
        validator.check(document, instance, path: [], depth: 0)
        return validator.violations
    }

    /// The names of top-level properties declared with `format: password`: the secrets.
    public var secretPropertyNames: Set<String> {
        guard let properties = document["properties"]?.objectValue else { return [] }
        return Set(properties.compactMap { name, schema in schema["format"]?.stringValue == "password" ? name : nil })
    }
}

private struct Validator {
    let root: JSONValue
    var violations: [SchemaViolation] = []
    static let maximumDepth = 64

    init(root: JSONValue) { self.root = root }

    mutating func fail(_ path: [String], _ keyword: String, _ message: String) {
        let pointer = JSONPointer(tokens: path).description
        let field = path.isEmpty ? "The value" : "'\(path.joined(separator: "."))'"
        violations.append(SchemaViolation(instancePath: pointer, keyword: keyword, message: "\(field) \(message)"))
    }

    func passes(_ schema: JSONValue, _ instance: JSONValue, path: [String], depth: Int) -> Bool {
        var inner = Validator(root: root)
        inner.check(schema, instance, path: path, depth: depth)
        return inner.violations.isEmpty
    }

    mutating func check(_ schema: JSONValue, _ instance: JSONValue, path: [String], depth: Int) {
        guard depth < Self.maximumDepth else {
            fail(path, "$ref", "could not be validated: the schema nests or refers too deeply")
            return
        }
        switch schema {
        case .bool(true): return
        case .bool(false):
            fail(path, "false", "is not allowed")
            return
        case .object(let keywords):
            if let reference = keywords["$ref"]?.stringValue {
                guard let target = resolve(reference) else {
                    fail(path, "$ref", "could not be validated: reference '\(reference)' cannot be resolved")
                    return
                }
                check(target, instance, path: path, depth: depth + 1)
                return
            }
            checkGeneric(keywords, instance, path: path, depth: depth)
            checkNumber(keywords, instance, path: path)
            checkString(keywords, instance, path: path)
            checkArray(keywords, instance, path: path, depth: depth)
            checkObject(keywords, instance, path: path, depth: depth)
            checkCombinators(keywords, instance, path: path, depth: depth)
        default:
            return
        }
    }

    func resolve(_ reference: String) -> JSONValue? {
        guard reference.first == "#" else { return nil }
        let fragment = String(reference.dropFirst()).removingPercentEncoding ?? String(reference.dropFirst())
        guard let pointer = try? JSONPointer(fragment) else { return nil }
        return pointer.resolve(in: root)
    }

    mutating func checkGeneric(_ keywords: [String: JSONValue], _ instance: JSONValue, path: [String], depth: Int) {
        if let type = keywords["type"] {
            let allowed = type.arrayValue?.compactMap(\.stringValue) ?? [type.stringValue].compactMap { $0 }
            if !allowed.contains(where: { Self.matches(instance, type: $0) }) {
                fail(path, "type", "must be of type \(allowed.joined(separator: " or ")), not \(Self.describe(instance))")
            }
        }
        if let options = keywords["enum"]?.arrayValue, !options.contains(where: { $0.isJSONEqual(to: instance) }) {
            let listed = options.count <= 20 ? ": " + options.map { $0.jsonString() }.joined(separator: ", ") : ""
            fail(path, "enum", "must be one of the allowed values\(listed)")
        }
        if let constant = keywords["const"], !constant.isJSONEqual(to: instance) {
            fail(path, "const", "must equal \(constant.jsonString())")
        }
    }

    static func matches(_ instance: JSONValue, type: String) -> Bool {
        switch type {
        case "integer": return instance.int64Value != nil || isWholeNumber(instance)
        case "number": return instance.doubleValue != nil
        default: return instance.typeName == type
        }
    }

    static func isWholeNumber(_ instance: JSONValue) -> Bool {
        guard case .number(let value) = instance else { return false }
        return value.isFinite && value.rounded() == value
    }

    static func describe(_ instance: JSONValue) -> String {
        if case .number = instance, isWholeNumber(instance) { return "integer" }
        return instance.typeName
    }

    mutating func checkNumber(_ keywords: [String: JSONValue], _ instance: JSONValue, path: [String]) {
        guard let value = instance.doubleValue else { return }
        if let minimum = keywords["minimum"]?.doubleValue, value < minimum {
            fail(path, "minimum", "must be at least \(Self.format(minimum))")
        }
        if let maximum = keywords["maximum"]?.doubleValue, value > maximum {
            fail(path, "maximum", "must be at most \(Self.format(maximum))")
        }
        if let minimum = keywords["exclusiveMinimum"]?.doubleValue, value <= minimum {
            fail(path, "exclusiveMinimum", "must be greater than \(Self.format(minimum))")
        }
        if let maximum = keywords["exclusiveMaximum"]?.doubleValue, value >= maximum {
            fail(path, "exclusiveMaximum", "must be less than \(Self.format(maximum))")
        }
        if let divisor = keywords["multipleOf"]?.doubleValue, divisor > 0 {
            let quotient = value / divisor
            if !quotient.isFinite || (quotient.rounded() - quotient).magnitude > 1e-9 * max(1, quotient.magnitude) {
                fail(path, "multipleOf", "must be a multiple of \(Self.format(divisor))")
            }
        }
    }

    static func format(_ number: Double) -> String {
        number.rounded() == number && number.magnitude < 1e15 ? String(Int64(number)) : String(number)
    }

    mutating func checkString(_ keywords: [String: JSONValue], _ instance: JSONValue, path: [String]) {
        guard case .string(let value) = instance else { return }
        let length = value.unicodeScalars.count
        if let minimum = keywords["minLength"]?.doubleValue, Double(length) < minimum {
            fail(path, "minLength", "must be at least \(Self.format(minimum)) characters long")
        }
        if let maximum = keywords["maxLength"]?.doubleValue, Double(length) > maximum {
            fail(path, "maxLength", "must be at most \(Self.format(maximum)) characters long")
        }
        if let pattern = keywords["pattern"]?.stringValue {
            if let regex = try? NSRegularExpression(pattern: pattern) {
                let range = NSRange(value.startIndex..<value.endIndex, in: value)
                if regex.firstMatch(in: value, range: range) == nil {
                    fail(path, "pattern", "does not match the pattern \(pattern)")
                }
            } else {
                fail(path, "pattern", "could not be validated: the schema's pattern is not a valid regular expression")
            }
        }
        if keywords["format"]?.stringValue == "uri", !Self.isAbsoluteURI(value) {
            fail(path, "format", "must be an absolute URI")
        }
    }

    static func isAbsoluteURI(_ value: String) -> Bool {
        guard let colon = value.firstIndex(of: ":"), colon != value.startIndex else { return false }
        let scheme = value[..<colon]
        guard let first = scheme.first, first.isASCII, first.isLetter,
            scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) })
        else { return false }
        return !value.contains(where: { $0 == " " || $0 == "\\" || $0 == "\"" || $0 == "<" || $0 == ">" })
    }

    mutating func checkArray(_ keywords: [String: JSONValue], _ instance: JSONValue, path: [String], depth: Int) {
        guard case .array(let elements) = instance else { return }
        if let minimum = keywords["minItems"]?.doubleValue, Double(elements.count) < minimum {
            fail(path, "minItems", "must have at least \(Self.format(minimum)) items")
        }
        if let maximum = keywords["maxItems"]?.doubleValue, Double(elements.count) > maximum {
            fail(path, "maxItems", "must have at most \(Self.format(maximum)) items")
        }
        if keywords["uniqueItems"]?.boolValue == true {
            outer: for i in elements.indices {
                for j in elements.indices where j > i && elements[i].isJSONEqual(to: elements[j]) {
                    fail(path, "uniqueItems", "must not contain duplicate items")
                    break outer
                }
            }
        }
        switch keywords["items"] {
        case .array(let tuple)?:
            for (index, element) in elements.enumerated() {
                if index < tuple.count {
                    check(tuple[index], element, path: path + [String(index)], depth: depth + 1)
                } else if let additional = keywords["additionalItems"] {
                    check(additional, element, path: path + [String(index)], depth: depth + 1)
                }
            }
        case let schema?:
            for (index, element) in elements.enumerated() {
                check(schema, element, path: path + [String(index)], depth: depth + 1)
            }
        case nil:
            break
        }
        if let contains = keywords["contains"],
            !elements.contains(where: { passes(contains, $0, path: path, depth: depth + 1) })
        {
            fail(path, "contains", "must contain at least one matching item")
        }
    }

    mutating func checkObject(_ keywords: [String: JSONValue], _ instance: JSONValue, path: [String], depth: Int) {
        guard case .object(let members) = instance else { return }
        if let required = keywords["required"]?.arrayValue?.compactMap(\.stringValue) {
            for name in required.sorted() where members[name] == nil {
                fail(path + [name], "required", "is required")
            }
        }
        if let minimum = keywords["minProperties"]?.doubleValue, Double(members.count) < minimum {
            fail(path, "minProperties", "must have at least \(Self.format(minimum)) properties")
        }
        if let maximum = keywords["maxProperties"]?.doubleValue, Double(members.count) > maximum {
            fail(path, "maxProperties", "must have at most \(Self.format(maximum)) properties")
        }
        let properties = keywords["properties"]?.objectValue ?? [:]
        let patterns: [(NSRegularExpression, JSONValue)] = (keywords["patternProperties"]?.objectValue ?? [:]).compactMap {
            pattern,
            schema in (try? NSRegularExpression(pattern: pattern)).map { ($0, schema) }
        }
        for name in members.keys.sorted() {
            let value = members[name]!
            var matched = false
            if let schema = properties[name] {
                matched = true
                check(schema, value, path: path + [name], depth: depth + 1)
            }
            let range = NSRange(name.startIndex..<name.endIndex, in: name)
            for (regex, schema) in patterns where regex.firstMatch(in: name, range: range) != nil {
                matched = true
                check(schema, value, path: path + [name], depth: depth + 1)
            }
            if !matched, let additional = keywords["additionalProperties"] {
                if additional == .bool(false) {
                    fail(path + [name], "additionalProperties", "is not an allowed property")
                } else {
                    check(additional, value, path: path + [name], depth: depth + 1)
                }
            }
            if let names = keywords["propertyNames"], !passes(names, .string(name), path: path, depth: depth + 1) {
                fail(path + [name], "propertyNames", "is not an allowed property name")
            }
        }
        for (name, dependency) in keywords["dependencies"]?.objectValue ?? [:] where members[name] != nil {
            if let needed = dependency.arrayValue {
                for other in needed.compactMap(\.stringValue) where members[other] == nil {
                    fail(path + [other], "dependencies", "is required when '\(name)' is present")
                }
            } else {
                check(dependency, instance, path: path, depth: depth + 1)
            }
        }
    }

    mutating func checkCombinators(_ keywords: [String: JSONValue], _ instance: JSONValue, path: [String], depth: Int) {
        for schema in keywords["allOf"]?.arrayValue ?? [] {
            check(schema, instance, path: path, depth: depth + 1)
        }
        if let options = keywords["anyOf"]?.arrayValue,
            !options.contains(where: { passes($0, instance, path: path, depth: depth + 1) })
        {
            fail(path, "anyOf", "does not match any of the allowed forms")
        }
        if let options = keywords["oneOf"]?.arrayValue {
            let matching = options.filter { passes($0, instance, path: path, depth: depth + 1) }.count
            if matching != 1 {
                fail(path, "oneOf", matching == 0 ? "does not match any of the allowed forms" : "matches more than one of the exclusive forms")
            }
        }
        if let negated = keywords["not"], passes(negated, instance, path: path, depth: depth + 1) {
            fail(path, "not", "matches a form that is not allowed")
        }
        if let condition = keywords["if"] {
            if passes(condition, instance, path: path, depth: depth + 1) {
                if let then = keywords["then"] { check(then, instance, path: path, depth: depth + 1) }
            } else if let otherwise = keywords["else"] {
                check(otherwise, instance, path: path, depth: depth + 1)
            }
        }
    }
}
