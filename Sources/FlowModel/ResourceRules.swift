// What differs between kinds of Flow Service resources (base connections, target connections, …):
// the fields a create body may hold, how a JSON Patch may change them, how a record is shown.
// Everything else — ids, etags, tenancy, lists — is shared.

/// The rules of one kind of resource.
public protocol ResourceRules: Sendable {
    /// The kind, named as in the URL.
    var kind: ResourceKind { get }
    /// Validates a create body and splits off its secrets.
    func validateNew(_ request: JSONValue) throws(FlowError) -> (body: [String: JSONValue], secrets: [String: JSONValue])
    /// Applies a JSON Patch to a stored resource and validates the result.
    func patch(_ resource: FlowResource, with patchDocument: JSONValue) throws(FlowError) -> (body: [String: JSONValue], secrets: [String: JSONValue])
    /// The resource as `GET` shows it: made from the resource alone (the service keeps each
    /// resource's document by etag; what depends on other resources belongs to the route's `present`).
    func render(_ resource: FlowResource) -> JSONValue
    /// Where each field of a shown resource comes from, for lists the store answers.
    var listedFields: ListedFields { get }
}

/// Flow Service's JSON Patch rules, shared by every kind: RFC 6902 with `add`, `replace` and
/// `remove` only, on the client's own top-level fields, never on `connectionSpec`.
public enum FlowPatch {
    /// `patchDocument` applied to `document`; the result's members.
    public static func apply(_ patchDocument: JSONValue, to document: JSONValue, editableFields: Set<String>) throws(FlowError) -> [String: JSONValue]
    {
        let patch: JSONPatch
        do {
            patch = try JSONPatch(parsing: patchDocument)
        } catch {
            if case .array(let operations) = patchDocument {
                for operation in operations {
                    if let name = operation["op"]?.stringValue, JSONPatchOperation.Kind(rawValue: name.lowercased()) == nil {
                        throw FlowError.unsupportedPatchOperation(String(name.prefix(50)))
                    }
                }
            }
            throw FlowError.invalidPatch(error.message)
        }
        guard !patch.operations.isEmpty else { throw FlowError.invalidPatch("the patch has no operations") }
        for operation in patch.operations {
            guard [.add, .replace, .remove].contains(operation.kind) else {
                throw FlowError.unsupportedPatchOperation(operation.kind.rawValue)
            }
            guard let field = operation.path.tokens.first else {
                throw FlowError.invalidPatch("the whole document cannot be replaced; patch its fields")
            }
            if field == "connectionSpec" { throw FlowError.connectionSpecImmutable }
            guard editableFields.contains(field) else {
                throw FlowError.invalidPatch("the field '\(field.prefix(100))' cannot be modified")
            }
        }
        let patched: JSONValue
        do {
            patched = try patch.apply(to: document)
        } catch {
            throw FlowError.invalidPatch(error.message)
        }
        guard case .object(let members) = patched else { throw FlowError.invalidPatch("the result is not an object") }
        if members["connectionSpec"] != document["connectionSpec"] { throw FlowError.connectionSpecImmutable }
        return members
    }

    /// A resource as `GET` shows it: the client's fields, the metadata, `version` and `state`.
    public static func render(_ fields: JSONValue, _ resource: FlowResource) -> JSONValue {
        var document = fields
        for (key, value) in resource.metadata.members { document[key] = value }
        document["version"] = .string(resource.metadata.etag)
        if document["state"] == nil { document["state"] = "enabled" }
        return document
    }
}

extension ResourceRules {
    /// Documents shown as ``FlowPatch/render(_:_:)`` shows them, nothing derived.
    public var listedFields: ListedFields { .rendered() }
}
