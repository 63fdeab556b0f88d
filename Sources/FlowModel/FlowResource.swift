// A Flow Service resource as stored: server-owned metadata, the user's fields, and sealed secrets.
// Every kind (base, source and target connections, flows, runs) shares this shape and the
// CRUD, etag and list semantics that go with it.

/// The kinds of Flow Service resources, named as in their URLs.
public struct ResourceKind: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The URL segment, e.g. `connections`.
    public var rawValue: String
    /// Creates a kind.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// Base connections (`/connections`).
    public static let connections = ResourceKind(rawValue: "connections")
    /// The URL segment.
    public var description: String { rawValue }
}

/// Fields the service owns on every resource; clients cannot set or patch them.
public struct ResourceMetadata: Sendable, Hashable, Codable {
    /// The resource id (a UUID).
    public var id: String
    /// Creation time, epoch milliseconds.
    public var createdAt: Int64
    /// Last update time, epoch milliseconds.
    public var updatedAt: Int64
    /// Who created it (the client id for service tokens).
    public var createdBy: String
    /// Who last updated it.
    public var updatedBy: String
    /// The client that created it.
    public var createdClient: String
    /// The client that last updated it.
    public var updatedClient: String
    /// The owning sandbox id.
    public var sandboxId: String
    /// The owning sandbox name.
    public var sandboxName: String
    /// The owning organization.
    public var imsOrgId: String
    /// The current version: a quoted opaque string, new on every write.
    public var etag: String

    /// Names of the metadata fields (and other server-owned names) in documents.
    public static let fieldNames: Set<String> = [
        "id", "createdAt", "updatedAt", "createdBy", "updatedBy", "createdClient", "updatedClient",
        "sandboxId", "sandboxName", "imsOrgId", "etag", "version", "state",
    ]

    /// Metadata for a resource created now by `caller`.
    public init(id: String, caller: Caller, now: Int64) {
        self.id = id
        self.createdAt = now
        self.updatedAt = now
        self.createdBy = caller.clientId
        self.updatedBy = caller.clientId
        self.createdClient = caller.clientId
        self.updatedClient = caller.clientId
        self.sandboxId = caller.scope.sandboxId
        self.sandboxName = caller.scope.sandboxName
        self.imsOrgId = caller.scope.orgId
        self.etag = Self.newEtag()
    }

    /// The members as documents show them (the Codable form), built directly.
    public var members: [String: JSONValue] {
        [
            "id": .string(id), "createdAt": .integer(createdAt), "updatedAt": .integer(updatedAt), "createdBy": .string(createdBy),
            "updatedBy": .string(updatedBy), "createdClient": .string(createdClient), "updatedClient": .string(updatedClient),
            "sandboxId": .string(sandboxId), "sandboxName": .string(sandboxName), "imsOrgId": .string(imsOrgId), "etag": .string(etag),
        ]
    }

    /// Metadata from its JSON form (the Codable one), or `nil` when a member is missing or mistyped.
    public init?(json: JSONValue) {
        guard case .object(let members) = json,
            let id = members["id"]?.stringValue, let createdAt = members["createdAt"]?.int64Value,
            let updatedAt = members["updatedAt"]?.int64Value, let createdBy = members["createdBy"]?.stringValue,
            let updatedBy = members["updatedBy"]?.stringValue, let createdClient = members["createdClient"]?.stringValue,
            let updatedClient = members["updatedClient"]?.stringValue, let sandboxId = members["sandboxId"]?.stringValue,
            let sandboxName = members["sandboxName"]?.stringValue, let imsOrgId = members["imsOrgId"]?.stringValue,
            let etag = members["etag"]?.stringValue
        else { return nil }
        (self.id, self.createdAt, self.updatedAt, self.createdBy, self.updatedBy) = (id, createdAt, updatedAt, createdBy, updatedBy)
        (self.createdClient, self.updatedClient, self.sandboxId, self.sandboxName) = (createdClient, updatedClient, sandboxId, sandboxName)
        (self.imsOrgId, self.etag) = (imsOrgId, etag)
    }

    /// The organization and sandbox the resource belongs to.
    public var scope: TenantScope { TenantScope(orgId: imsOrgId, sandboxName: sandboxName, sandboxId: sandboxId) }

    /// Records an update by `caller` at `now` and issues a new etag.
    public mutating func touch(by caller: Caller, now: Int64) {
        updatedAt = max(now, updatedAt)
        updatedBy = caller.clientId
        updatedClient = caller.clientId
        etag = Self.newEtag()
    }

    /// A new quoted etag in the shape Adobe returns (`"8-4-4-4-12"` hex).
    public static func newEtag() -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = (0..<32).map { _ in String(UInt8.random(in: 0..<16, using: &generator), radix: 16) }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return "\"" + parts.joined(separator: "-") + "\""
    }

    /// Whether an `If-Match` value names this version; surrounding quotes are optional, `*` matches any.
    public func matches(ifMatch: String) -> Bool {
        let trimmed = ifMatch.trimmingCharacters(in: " ")
        if trimmed == "*" { return true }
        return Self.unquoted(trimmed.hasPrefix("W/") ? String(trimmed.dropFirst(2)) : trimmed) == Self.unquoted(etag)
    }

    static func unquoted(_ value: String) -> String {
        var text = Substring(value)
        while text.first == "\"" { text = text.dropFirst() }
        while text.last == "\"" { text = text.dropLast() }
        return String(text)
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        String(self.drop(while: { $0 == set }).reversed().drop(while: { $0 == set }).reversed())
    }
}

/// A stored Flow Service resource.
public struct FlowResource: Sendable, Hashable {
    /// What kind of resource it is.
    public var kind: ResourceKind
    /// Server-owned fields.
    public var metadata: ResourceMetadata
    /// The fields the client controls (name, description, auth, …), without secret values.
    public var body: [String: JSONValue]
    /// Secret values by name (for connections: the `auth.params` marked `format: password`).
    /// Sealed at rest; never rendered.
    public var secrets: [String: JSONValue]

    /// Creates a resource.
    public init(kind: ResourceKind, metadata: ResourceMetadata, body: [String: JSONValue], secrets: [String: JSONValue] = [:]) {
        self.kind = kind
        self.metadata = metadata
        self.body = body
        self.secrets = secrets
    }

    /// The id.
    public var id: String { metadata.id }
}
