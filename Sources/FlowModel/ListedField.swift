// Where a field of a listed document comes from, so that a store can filter and sort on it
// instead of reading every record: a column, a member of the stored metadata or body, nothing
// at all, or something derived when the document is shown (which only the shown document has).

/// A field of a stored resource that a store can filter and sort on.
public enum StoredField: Sendable, Hashable {
    /// The resource id (text).
    case id
    /// Creation time, epoch milliseconds (integer).
    case createdAt
    /// Last update time, epoch milliseconds (integer).
    case updatedAt
    /// The etag (text).
    case etag
    /// The organization (text).
    case orgId
    /// The sandbox name (text).
    case sandboxName
    /// The `state` member of the body (text); `orDefault` when it has none.
    case state(orDefault: String?)
    /// A text member of the stored metadata (`createdBy`, `sandboxId`, …), always present.
    case metadata(String)
    /// A member of the body at a dotted path, with the full filter semantics (arrays, types).
    case body([String])
    /// A member of the body that is a string or absent, at a JSON path into the body
    /// (`$.flowId`, `$.sourceConnectionIds[0]`): what references to other resources are; stores index it.
    case reference(String)
    /// A field the document never has.
    case absent
}

/// Where a field of a listed document comes from.
public enum ListedField: Sendable, Hashable {
    /// From the stored resource: the store filters and sorts on it.
    case stored(StoredField)
    /// Made when the document is shown (from other resources or computed): only the shown document has it.
    case derived
}

/// How a kind's documents are made from stored resources, field by field.
public struct ListedFields: Sendable {
    private let resolve: @Sendable ([String]) -> ListedField

    /// A field map from a function of the path's segments.
    public init(_ resolve: @escaping @Sendable ([String]) -> ListedField) {
        self.resolve = resolve
    }

    /// Where the field at `path` comes from.
    public func field(_ path: [String]) -> ListedField {
        guard let name = path.first else { return .stored(.absent) }
        guard path.count == 1 || !ResourceMetadata.fieldNames.contains(name) else {
            // Metadata members are strings and numbers: nothing lies below them.
            return resolve([name]) == .derived ? .derived : .stored(.absent)
        }
        return resolve(path)
    }

    /// The metadata every listed document shows, or `nil` for other names.
    public static func metadata(_ name: String) -> StoredField? {
        switch name {
        case "id": .id
        case "createdAt": .createdAt
        case "updatedAt": .updatedAt
        case "etag": .etag
        case "imsOrgId": .orgId
        case "sandboxName": .sandboxName
        case "createdBy", "updatedBy", "createdClient", "updatedClient", "sandboxId": .metadata(name)
        default: nil
        }
    }

    /// Documents shown as ``FlowPatch/render(_:_:)`` shows them: the body, the metadata, `version`
    /// (the etag) and `state` (`enabled` when the body has none); `derived` names are added when shown.
    public static func rendered(derived: Set<String> = []) -> ListedFields {
        ListedFields { path in
            let name = path[0]
            if let field = metadata(name) { return .stored(field) }
            if name == "version" { return .stored(.etag) }
            if name == "state" { return path.count == 1 ? .stored(.state(orDefault: "enabled")) : .stored(.absent) }
            if derived.contains(name) { return .derived }
            return .stored(.body(path))
        }
    }
}
