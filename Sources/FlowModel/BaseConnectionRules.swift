// The rules of base connections (`/connections`): what a create body must hold, how a JSON Patch
// may change one, how secrets are split off and masked, and how one is shown.

/// Validation and rendering of base connections.
public struct BaseConnectionRules: ResourceRules {
    /// The specs connections may use.
    public var catalog: ConnectionSpecCatalog

    /// What a secret looks like in every response. Writing it back in a PATCH keeps the stored secret.
    public static let mask = "********"
    /// The longest name accepted.
    public static let maximumNameLength = 256
    /// The longest description accepted.
    public static let maximumDescriptionLength = 4096

    /// Creates the rules over a catalog.
    public init(catalog: ConnectionSpecCatalog) { self.catalog = catalog }

    /// Base connections.
    public var kind: ResourceKind { .connections }

    /// Top-level fields a client may send.
    static let clientFields: Set<String> = ["name", "description", "auth", "connectionSpec"]

    /// Validates a create body and splits off its secrets.
    /// - Returns: the body to store (secrets removed) and the secrets by parameter name.
    public func validateNew(_ request: JSONValue) throws(FlowError) -> (body: [String: JSONValue], secrets: [String: JSONValue]) {
        guard case .object(let members) = request else {
            throw FlowError.invalidRequest("The request body must be a JSON object describing the connection.")
        }
        return try validate(members, existingSecrets: [:])
    }

    private func validate(
        _ members: [String: JSONValue],
        existingSecrets: [String: JSONValue]
    ) throws(FlowError) -> (body: [String: JSONValue], secrets: [String: JSONValue]) {
        try ConnectionFields.rejectUnknown(members, allowed: Self.clientFields)
        var body = try ConnectionFields.nameAndDescription(members)
        let spec = try ConnectionFields.spec(members, in: catalog, hint: "the id of the connection spec this connection uses")
        body["connectionSpec"] = ConnectionFields.reference(spec)
        guard case .object(let auth)? = members["auth"] else {
            throw FlowError.invalidRequest("'auth' is required: an object with 'specName' and 'params'.")
        }
        guard let specName = auth["specName"]?.stringValue else {
            throw FlowError.invalidRequest(
                "'auth.specName' is required; for this spec use one of: \(spec.authSpecs.map(\.name).joined(separator: ", "))."
            )
        }
        guard let authSpec = spec.authSpec(named: specName) else {
            throw FlowError.unknownAuthSpec(String(specName.prefix(100)), specId: spec.id)
        }
        guard case .object(var params)? = auth["params"] else {
            throw FlowError.invalidRequest("'auth.params' is required: an object with the credentials of '\(authSpec.name)'.")
        }
        for key in auth.keys where key != "specName" && key != "params" {
            throw FlowError.invalidRequest("Unknown field 'auth.\(key.prefix(100))'. Allowed fields: specName, params.")
        }
        let secretNames = authSpec.secretParameters
        for name in secretNames where params[name] == .string(Self.mask) {
            guard let kept = existingSecrets[name] else {
                throw FlowError.invalidRequest(
                    "'auth.params.\(name)' holds the mask \(Self.mask), which only keeps a secret already stored; send the secret itself."
                )
            }
            params[name] = kept
        }
        let violations = authSpec.schema.validate(.object(params))
        if !violations.isEmpty {
            let messages = violations.prefix(10).map { "auth.params: \($0.message)" }
            throw FlowError.invalidRequest(messages.joined(separator: "; ") + ".")
        }
        var secrets: [String: JSONValue] = [:]
        for name in secretNames {
            if let value = params.removeValue(forKey: name) { secrets[name] = value }
        }
        body["auth"] = ["specName": .string(authSpec.name), "params": .object(params)]
        return (body, secrets)
    }

    /// A resource name: a string of 1 to 256 characters without control characters.
    public static func validateName(_ value: JSONValue?) throws(FlowError) -> String {
        guard let name = value?.stringValue else {
            throw FlowError.invalidRequest("'name' is required: a string of 1 to \(maximumNameLength) characters.")
        }
        guard !name.allSatisfy(\.isWhitespace), name.count <= maximumNameLength,
            !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw FlowError.invalidRequest("'name' must have 1 to \(maximumNameLength) characters and no control characters.")
        }
        return name
    }

    /// Applies a JSON Patch (RFC 6902; `add`, `replace`, `remove` only) to a stored connection and
    /// re-validates the result against its auth spec. A secret patched to the mask keeps its value.
    /// - Returns: the new body and secrets.
    public func patch(
        _ resource: FlowResource,
        with patchDocument: JSONValue
    ) throws(FlowError) -> (body: [String: JSONValue], secrets: [String: JSONValue]) {
        let members = try FlowPatch.apply(patchDocument, to: patchable(resource), editableFields: Self.clientFields)
        return try validate(members, existingSecrets: resource.secrets)
    }

    /// The client-controlled part of a connection with secrets masked: what a patch applies to.
    func patchable(_ resource: FlowResource) -> JSONValue {
        var document = JSONValue.object(resource.body)
        if case .object(var auth)? = document["auth"], case .object(var params)? = auth["params"] {
            for name in resource.secrets.keys { params[name] = .string(Self.mask) }
            auth["params"] = .object(params)
            document["auth"] = .object(auth)
        }
        return document
    }

    /// The connection as `GET /connections/{id}` shows it: metadata, fields, secrets masked.
    public func render(_ resource: FlowResource) -> JSONValue {
        FlowPatch.render(patchable(resource), resource)
    }
}
