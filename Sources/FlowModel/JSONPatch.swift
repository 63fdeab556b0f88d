// RFC 6901 JSON Pointer and RFC 6902 JSON Patch over `JSONValue`.

/// A JSON Pointer (RFC 6901), e.g. `/auth/params/accessToken`.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    /// The unescaped reference tokens.
    public var tokens: [String]

    /// Parses a pointer. The empty string is the whole document.
    public init(_ text: String) throws(JSONPatchError) {
        if text.isEmpty {
            tokens = []
            return
        }
        guard text.first == "/" else { throw JSONPatchError("pointer '\(text)' must start with '/'") }
        var result: [String] = []
        for raw in text.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            var token = ""
            var iterator = raw.makeIterator()
            while let character = iterator.next() {
                guard character == "~" else {
                    token.append(character)
                    continue
                }
                switch iterator.next() {
                case "0": token.append("~")
                case "1": token.append("/")
                default: throw JSONPatchError("pointer '\(text)' has an invalid escape")
                }
            }
            result.append(token)
        }
        tokens = result
    }

    /// Creates a pointer from unescaped tokens.
    public init(tokens: [String]) { self.tokens = tokens }

    /// The escaped pointer text.
    public var description: String {
        tokens.map { "/" + $0.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1") }
            .joined()
    }

    /// The value the pointer refers to in `document`, or `nil`.
    public func resolve(in document: JSONValue) -> JSONValue? {
        var current = document
        for token in tokens {
            switch current {
            case .object(let members):
                guard let next = members[token] else { return nil }
                current = next
            case .array(let elements):
                guard let index = Self.arrayIndex(token), index < elements.count else { return nil }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }

    static func arrayIndex(_ token: String) -> Int? {
        guard !token.isEmpty, token.allSatisfy(\.isASCII), token.allSatisfy(\.isNumber) else { return nil }
        guard token == "0" || token.first != "0" else { return nil }
        return Int(token)
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard self.contains(target) else { return self }
        return self.split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

/// Why a patch could not be applied.
public struct JSONPatchError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A message that names the path, never a value.
    public var message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}

/// One RFC 6902 operation.
public struct JSONPatchOperation: Sendable, Hashable {
    /// The operation kinds of RFC 6902.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case add, remove, replace, move, copy, test
    }

    /// What the operation does.
    public var kind: Kind
    /// The target location.
    public var path: JSONPointer
    /// The source location for `move` and `copy`.
    public var from: JSONPointer?
    /// The value for `add`, `replace` and `test`.
    public var value: JSONValue?

    /// Creates an operation.
    public init(kind: Kind, path: JSONPointer, from: JSONPointer? = nil, value: JSONValue? = nil) {
        self.kind = kind
        self.path = path
        self.from = from
        self.value = value
    }
}

/// An RFC 6902 JSON Patch document.
public struct JSONPatch: Sendable, Hashable {
    /// The operations, applied in order.
    public var operations: [JSONPatchOperation]

    /// Creates a patch from operations.
    public init(operations: [JSONPatchOperation]) { self.operations = operations }

    /// Parses a patch document. Operation names are matched case-insensitively (Adobe's
    /// documentation spells them `add`, `ADD` and `Add`).
    public init(parsing document: JSONValue) throws(JSONPatchError) {
        guard case .array(let elements) = document else { throw JSONPatchError("a patch must be a JSON array of operations") }
        var operations: [JSONPatchOperation] = []
        for (index, element) in elements.enumerated() {
            guard case .object(let members) = element else { throw JSONPatchError("operation \(index) is not an object") }
            guard let name = members["op"]?.stringValue else { throw JSONPatchError("operation \(index) has no 'op'") }
            guard let kind = JSONPatchOperation.Kind(rawValue: name.lowercased()) else {
                throw JSONPatchError("operation \(index) has unknown op '\(name)'")
            }
            guard let pathText = members["path"]?.stringValue else { throw JSONPatchError("operation \(index) has no 'path'") }
            let path = try JSONPointer(pathText)
            var from: JSONPointer?
            if kind == .move || kind == .copy {
                guard let fromText = members["from"]?.stringValue else { throw JSONPatchError("operation \(index) has no 'from'") }
                from = try JSONPointer(fromText)
            }
            let value = members["value"]
            if (kind == .add || kind == .replace || kind == .test) && value == nil {
                throw JSONPatchError("operation \(index) has no 'value'")
            }
            operations.append(JSONPatchOperation(kind: kind, path: path, from: from, value: value))
        }
        self.operations = operations
    }

    /// Applies every operation to `document`; all or nothing.
    public func apply(to document: JSONValue) throws(JSONPatchError) -> JSONValue {
        var result = document
        for operation in operations {
            switch operation.kind {
            case .add:
                result = try Self.add(operation.value!, at: operation.path.tokens[...], in: result, path: operation.path)
            case .remove:
                result = try Self.remove(at: operation.path.tokens[...], in: result, path: operation.path).document
            case .replace:
                guard operation.path.resolve(in: result) != nil else {
                    throw JSONPatchError("path '\(operation.path)' does not exist")
                }
                if operation.path.tokens.isEmpty {
                    result = operation.value!
                } else {
                    result = try Self.remove(at: operation.path.tokens[...], in: result, path: operation.path).document
                    result = try Self.add(operation.value!, at: operation.path.tokens[...], in: result, path: operation.path)
                }
            case .move:
                let from = operation.from!
                if from == operation.path { continue }
                if operation.path.tokens.starts(with: from.tokens) {
                    throw JSONPatchError("cannot move '\(from)' into its own child '\(operation.path)'")
                }
                let removed = try Self.remove(at: from.tokens[...], in: result, path: from)
                result = try Self.add(removed.value, at: operation.path.tokens[...], in: removed.document, path: operation.path)
            case .copy:
                guard let value = operation.from!.resolve(in: result) else {
                    throw JSONPatchError("path '\(operation.from!)' does not exist")
                }
                result = try Self.add(value, at: operation.path.tokens[...], in: result, path: operation.path)
            case .test:
                guard let actual = operation.path.resolve(in: result) else {
                    throw JSONPatchError("path '\(operation.path)' does not exist")
                }
                guard actual.isJSONEqual(to: operation.value!) else {
                    throw JSONPatchError("test failed at '\(operation.path)'")
                }
            }
        }
        return result
    }

    private static func add(
        _ value: JSONValue,
        at tokens: ArraySlice<String>,
        in document: JSONValue,
        path: JSONPointer
    ) throws(JSONPatchError) -> JSONValue {
        guard let token = tokens.first else { return value }
        let rest = tokens.dropFirst()
        switch document {
        case .object(var members):
            if rest.isEmpty {
                members[token] = value
            } else {
                guard let child = members[token] else { throw JSONPatchError("path '\(path)' does not exist") }
                members[token] = try add(value, at: rest, in: child, path: path)
            }
            return .object(members)
        case .array(var elements):
            if rest.isEmpty {
                if token == "-" {
                    elements.append(value)
                } else {
                    guard let index = JSONPointer.arrayIndex(token), index <= elements.count else {
                        throw JSONPatchError("index '\(token)' is out of bounds at '\(path)'")
                    }
                    elements.insert(value, at: index)
                }
            } else {
                guard let index = JSONPointer.arrayIndex(token), index < elements.count else {
                    throw JSONPatchError("path '\(path)' does not exist")
                }
                elements[index] = try add(value, at: rest, in: elements[index], path: path)
            }
            return .array(elements)
        default:
            throw JSONPatchError("path '\(path)' does not exist")
        }
    }

    private static func remove(
        at tokens: ArraySlice<String>,
        in document: JSONValue,
        path: JSONPointer
    ) throws(JSONPatchError) -> (document: JSONValue, value: JSONValue) {
        guard let token = tokens.first else { throw JSONPatchError("cannot remove the whole document") }
        let rest = tokens.dropFirst()
        switch document {
        case .object(var members):
            guard let child = members[token] else { throw JSONPatchError("path '\(path)' does not exist") }
            if rest.isEmpty {
                members[token] = nil
                return (.object(members), child)
            }
            let inner = try remove(at: rest, in: child, path: path)
            members[token] = inner.document
            return (.object(members), inner.value)
        case .array(var elements):
            guard let index = JSONPointer.arrayIndex(token), index < elements.count else {
                throw JSONPatchError("path '\(path)' does not exist")
            }
            if rest.isEmpty {
                let removed = elements.remove(at: index)
                return (.array(elements), removed)
            }
            let inner = try remove(at: rest, in: elements[index], path: path)
            elements[index] = inner.document
            return (.array(elements), inner.value)
        default:
            throw JSONPatchError("path '\(path)' does not exist")
        }
    }
}
