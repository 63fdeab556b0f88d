// The persistence contract: tenancy records and Flow Service resources, every resource scoped by
// organization and sandbox. SQLite implements it for one instance; PostgreSQL will for many.
public import FlowModel

/// Where Tributary keeps its state. Implementations seal resource secrets at rest.
public protocol FlowStorage: Sendable {
    /// Creates an organization together with its default sandbox, in one transaction.
    func createOrganization(_ organization: Organization, defaultSandbox: Sandbox) async throws
    /// Every organization, oldest first.
    func organizations() async throws -> [Organization]
    /// The organization with `id`, if any.
    func organization(id: String) async throws -> Organization?

    /// Creates a sandbox. Throws ``FlowStoreError/duplicate`` when the org already has that name.
    func createSandbox(_ sandbox: Sandbox) async throws
    /// The sandboxes of an organization, oldest first.
    func sandboxes(orgId: String) async throws -> [Sandbox]

    /// Creates an API client.
    func createClient(_ client: APIClient) async throws
    /// The client with `clientId`, if any.
    func client(id clientId: String) async throws -> APIClient?
    /// The clients of an organization, oldest first.
    func clients(orgId: String) async throws -> [APIClient]

    /// Stores a new resource. Throws ``FlowStoreError/duplicate`` when the id exists.
    func insert(_ resource: FlowResource) async throws
    /// The resource of `kind` with `id` in `scope`, if any. Another scope's resource is never returned.
    func resource(_ kind: ResourceKind, id: String, in scope: TenantScope) async throws -> FlowResource?
    /// The resources of `kind` in `scope` that `query` finds, in its order: evaluated by the store
    /// on its indexes, never by reading every record of the scope.
    func resources(_ kind: ResourceKind, in scope: TenantScope, matching query: ResourceQuery) async throws -> [OrderedResource]
    /// How many resources of `kind` in `scope` satisfy every filter.
    func count(_ kind: ResourceKind, in scope: TenantScope, matching filters: [StoredFilter]) async throws -> Int
    /// Replaces a resource when its stored etag is still `expectedEtag` (compare-and-swap).
    /// - Returns: `false` when the resource is gone or was changed meanwhile.
    func replace(_ resource: FlowResource, expectedEtag: String) async throws -> Bool
    /// Deletes a resource. - Returns: whether it existed in `scope`.
    func delete(_ kind: ResourceKind, id: String, in scope: TenantScope) async throws -> Bool

    /// Applies every change in one transaction, or none of them.
    /// - Returns: `false` (and nothing changed) when a replaced or deleted resource is gone or was
    ///   changed meanwhile; an insert of an existing id throws ``FlowStoreError/duplicate``.
    func apply(_ changes: [ResourceChange]) async throws -> Bool
    /// Every resource of `kind` whose `state` member is `state`, across all organizations and
    /// sandboxes, oldest first: what the scheduler and the run executor work through.
    func resources(_ kind: ResourceKind, state: String) async throws -> [FlowResource]

    /// Resources of a planned kind (``ResourceKind/isPlanned``) whose next look by the scheduler is
    /// due by `time`, across all organizations and sandboxes, the earliest due first, at most `limit`.
    func due(_ kind: ResourceKind, by time: Int64, limit: Int) async throws -> [FlowResource]
    /// When the earliest next look at a resource of `kind` is due; `nil` when none is ever.
    func earliestDue(_ kind: ResourceKind) async throws -> Int64?
}

extension ResourceKind {
    /// Whether the scheduler plans resources of this kind: every write of one (insert or replace)
    /// makes it due at once — at the time of the write — until the scheduler sets its next look
    /// (``ResourceChange/setDue(_:id:in:expectedEtag:at:)``).
    public var isPlanned: Bool { self == .flows }
}

/// One change of a store transaction (``FlowStorage/apply(_:)``).
public enum ResourceChange: Sendable {
    /// Store a new resource.
    case insert(FlowResource)
    /// Replace a resource whose stored etag is still the one given.
    case replace(FlowResource, expectedEtag: String)
    /// Delete a resource whose stored etag is still the one given.
    case delete(FlowResource, expectedEtag: String)
    /// Set when the scheduler next looks at a resource of a planned kind (`nil`: not before it is
    /// written again), while its stored etag is still the one given — the version it planned.
    case setDue(ResourceKind, id: String, in: TenantScope, expectedEtag: String, at: Int64?)
    /// Bring the scheduler's next look at a resource forward to `at` at the latest (nothing when it
    /// is gone): its runs changed in a way that may let it plan more.
    case hasten(ResourceKind, id: String, in: TenantScope, at: Int64)

    /// The id of the resource changed.
    public var id: String {
        switch self {
        case .insert(let resource), .replace(let resource, _), .delete(let resource, _): resource.id
        case .setDue(_, let id, _, _, _), .hasten(_, let id, _, _): id
        }
    }
}

extension FlowStorage {
    /// The resources of `kind` in `scope` with one of `ids`, by id (found by the primary key).
    public func resources(_ kind: ResourceKind, ids: some Collection<String>, in scope: TenantScope) async throws -> [FlowResource] {
        var found: [FlowResource] = []
        for chunk in Array(Set(ids)).chunks(of: 500) {
            found += try await resources(
                kind,
                in: scope,
                matching: ResourceQuery(filters: [.equal(.id, Array(chunk))], order: .absent, descending: false)
            ).map(\.resource)
        }
        return found
    }

    /// The resources of `kind` in `scope` whose `reference` (a JSON path into the body, see
    /// ``StoredField/reference(_:)``) is one of `values`, by id: the reference's index finds them
    /// (ordering by time would tempt a store to walk the scope in time order instead).
    public func resources(
        _ kind: ResourceKind,
        in scope: TenantScope,
        where reference: String,
        isOneOf values: some Collection<String>
    ) async throws -> [FlowResource] {
        var found: [FlowResource] = []
        for chunk in Array(values).chunks(of: 500) {
            let query = ResourceQuery(filters: [.equal(.reference(reference), Array(chunk))], order: .absent, descending: false)
            found += try await resources(kind, in: scope, matching: query).map(\.resource)
        }
        return found
    }

    /// The ids of the resources of `kind` in `scope` whose `reference` is one of `values`, in order.
    public func ids(
        _ kind: ResourceKind,
        in scope: TenantScope,
        where reference: String,
        isOneOf values: some Collection<String>
    ) async throws -> [String] {
        try await resources(kind, in: scope, where: reference, isOneOf: values).map(\.id)
    }

    /// The default sandbox of an organization.
    public func defaultSandbox(orgId: String) async throws -> Sandbox? {
        try await sandboxes(orgId: orgId).first { $0.isDefault }
    }
}

/// Failures of the store that callers act on.
public struct FlowStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Sendable, Hashable {
        let rawValue: String
        /// A record with that key exists.
        public static let duplicate = Code(rawValue: "duplicate")
        /// Sealed data could not be opened: wrong key or tampered data.
        public static let unsealFailed = Code(rawValue: "unsealFailed")
        /// A stored record could not be decoded.
        public static let corruptRecord = Code(rawValue: "corruptRecord")
        /// The database cannot be reached or is not taking statements now; trying again later may succeed.
        public static let unavailable = Code(rawValue: "unavailable")
        /// Text the database cannot hold (PostgreSQL refuses U+0000).
        public static let unstorableText = Code(rawValue: "unstorableText")
        /// A list's position (from a continuation token) does not fit the list's order.
        public static let invalidPosition = Code(rawValue: "invalidPosition")
        /// The database refused the store's connection: credentials, TLS, a database that does not exist.
        public static let refused = Code(rawValue: "refused")
        /// The store's settings cannot be used.
        public static let invalidSettings = Code(rawValue: "invalidSettings")
        /// The database refused a statement for a reason of its own (logged where it happened).
        public static let failed = Code(rawValue: "failed")
    }

    /// The code.
    public var code: Code
    /// A message without secrets.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// A record with that key exists.
    public static func duplicate(_ message: String) -> FlowStoreError { FlowStoreError(.duplicate, message) }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }
}

extension Array {
    func chunks(of size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
