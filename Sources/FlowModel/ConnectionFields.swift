// The fields base, source and target connections share — unknown fields refused, `name`,
// `description`, `connectionSpec` — checked one way for all three.

enum ConnectionFields {
    /// Refuses members outside `allowed`; server-owned ones get their own message.
    static func rejectUnknown(_ members: [String: JSONValue], allowed: Set<String>) throws(FlowError) {
        for key in members.keys.sorted() where !allowed.contains(key) {
            if key == "state" || ResourceMetadata.fieldNames.contains(key) {
                throw FlowError.invalidRequest("The field '\(key)' is set by the service and cannot be sent.")
            }
            throw FlowError.invalidRequest("Unknown field '\(key.prefix(100))'. Allowed fields: \(allowed.sorted().joined(separator: ", ")).")
        }
    }

    /// `name` (required) and `description` (optional), checked, as body members.
    static func nameAndDescription(_ members: [String: JSONValue]) throws(FlowError) -> [String: JSONValue] {
        var body: [String: JSONValue] = ["name": .string(try BaseConnectionRules.validateName(members["name"]))]
        if let description = members["description"], description != .null {
            guard let text = description.stringValue, text.count <= BaseConnectionRules.maximumDescriptionLength else {
                throw FlowError.invalidRequest(
                    "'description' must be a string of at most \(BaseConnectionRules.maximumDescriptionLength) characters."
                )
            }
            body["description"] = .string(text)
        }
        return body
    }

    /// The spec `connectionSpec` names (its version checked) when `accepts` it; `hint` says which
    /// spec the client should send.
    static func spec(
        _ members: [String: JSONValue],
        in catalog: ConnectionSpecCatalog,
        hint: String,
        accepts: (ConnectionSpec) -> Bool = { _ in true }
    ) throws(FlowError) -> ConnectionSpec {
        guard let reference = members["connectionSpec"]?.objectValue, let id = reference["id"]?.stringValue else {
            throw FlowError.invalidRequest("'connectionSpec.id' is required: \(hint).")
        }
        guard let spec = catalog.spec(id: id), accepts(spec) else { throw FlowError.unknownSpec(String(id.prefix(100))) }
        if let version = reference["version"], version != .null, version.stringValue != spec.version {
            throw FlowError.invalidRequest(
                "'connectionSpec.version' must be \"\(spec.version)\" (or omitted for the latest) for spec \(spec.id).",
                code: "1413-400"
            )
        }
        return spec
    }

    /// `params`, an object valid against the spec's `sourceSpec`/`targetSpec` schema; `hint` shows its shape.
    static func params(_ members: [String: JSONValue], against specSection: JSONValue, hint: String) throws(FlowError) -> [String: JSONValue] {
        guard let params = members["params"], case .object(let fields) = params else {
            throw FlowError.invalidRequest("'params' is required: \(hint).")
        }
        if let schema = specSection["spec"] {
            let violations = JSONSchema(schema).validate(params)
            if !violations.isEmpty {
                throw FlowError.invalidRequest(violations.prefix(10).map { "params: \($0.message)" }.joined(separator: "; ") + ".")
            }
        }
        return fields
    }

    /// The `connectionSpec` member as stored.
    static func reference(_ spec: ConnectionSpec) -> JSONValue { ["id": .string(spec.id), "version": .string(spec.version)] }
}
