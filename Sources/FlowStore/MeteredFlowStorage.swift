// Store calls as metrics: how long each operation takes at the database (the service wraps the
// database itself, under its in-memory cache, so cache hits are not counted) and its errors by code
// (`unavailable`, `duplicate`, …). A store wrapped in ``MeteredFlowStorage`` behaves exactly as the store.
public import CoreMetrics
import Dispatch
public import FlowModel

/// The metrics of store calls: `tributary_store_operation_duration_seconds{operation}` and
/// `tributary_store_errors_total{operation, code}`.
public struct StoreMetrics: Sendable {
    let factory: any MetricsFactory
    public static let duration = "tributary_store_operation_duration_seconds"
    public static let errors = "tributary_store_errors_total"

    /// Metrics made by `factory`.
    public init(factory: any MetricsFactory) {
        self.factory = factory
    }
}

/// A store whose operations are timed and whose errors are counted.
public struct MeteredFlowStorage: FlowStorage {
    /// The store measured.
    public let base: any FlowStorage
    private let timers: [String: Timer]
    private let metrics: StoreMetrics

    static let operations = [
        "createOrganization", "organizations", "organization", "createSandbox", "sandboxes", "createClient", "client", "clients", "insert",
        "resource", "resources", "count", "replace", "delete", "apply", "resourcesInState", "due", "earliestDue",
    ]

    /// `base`, measured into `metrics`.
    public init(_ base: any FlowStorage, metrics: StoreMetrics) {
        self.base = base
        self.metrics = metrics
        // The timers are made once: an operation's timing then costs a clock read and a histogram update.
        var timers: [String: Timer] = [:]
        for operation in Self.operations {
            timers[operation] = Timer(label: StoreMetrics.duration, dimensions: [("operation", operation)], factory: metrics.factory)
        }
        self.timers = timers
    }

    private func measure<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        let started = DispatchTime.now().uptimeNanoseconds
        defer { timers[operation]?.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds &- started)) }
        do {
            return try await body()
        } catch {
            let code = (error as? FlowStoreError)?.code.rawValue ?? "other"
            Counter(label: StoreMetrics.errors, dimensions: [("operation", operation), ("code", code)], factory: metrics.factory).increment()
            throw error
        }
    }

    public func createOrganization(_ organization: Organization, defaultSandbox: Sandbox) async throws {
        try await measure("createOrganization") { try await base.createOrganization(organization, defaultSandbox: defaultSandbox) }
    }

    public func organizations() async throws -> [Organization] {
        try await measure("organizations") { try await base.organizations() }
    }

    public func organization(id: String) async throws -> Organization? {
        try await measure("organization") { try await base.organization(id: id) }
    }

    public func createSandbox(_ sandbox: Sandbox) async throws {
        try await measure("createSandbox") { try await base.createSandbox(sandbox) }
    }

    public func sandboxes(orgId: String) async throws -> [Sandbox] {
        try await measure("sandboxes") { try await base.sandboxes(orgId: orgId) }
    }

    public func createClient(_ client: APIClient) async throws {
        try await measure("createClient") { try await base.createClient(client) }
    }

    public func client(id clientId: String) async throws -> APIClient? {
        try await measure("client") { try await base.client(id: clientId) }
    }

    public func clients(orgId: String) async throws -> [APIClient] {
        try await measure("clients") { try await base.clients(orgId: orgId) }
    }

    public func insert(_ resource: FlowResource) async throws {
        try await measure("insert") { try await base.insert(resource) }
    }

    public func resource(_ kind: ResourceKind, id: String, in scope: TenantScope) async throws -> FlowResource? {
        try await measure("resource") { try await base.resource(kind, id: id, in: scope) }
    }

    public func resources(_ kind: ResourceKind, in scope: TenantScope, matching query: ResourceQuery) async throws -> [OrderedResource] {
        try await measure("resources") { try await base.resources(kind, in: scope, matching: query) }
    }

    public func count(_ kind: ResourceKind, in scope: TenantScope, matching filters: [StoredFilter]) async throws -> Int {
        try await measure("count") { try await base.count(kind, in: scope, matching: filters) }
    }

    public func replace(_ resource: FlowResource, expectedEtag: String) async throws -> Bool {
        try await measure("replace") { try await base.replace(resource, expectedEtag: expectedEtag) }
    }

    public func delete(_ kind: ResourceKind, id: String, in scope: TenantScope) async throws -> Bool {
        try await measure("delete") { try await base.delete(kind, id: id, in: scope) }
    }

    public func apply(_ changes: [ResourceChange]) async throws -> Bool {
        try await measure("apply") { try await base.apply(changes) }
    }

    public func resources(_ kind: ResourceKind, state: String) async throws -> [FlowResource] {
        try await measure("resourcesInState") { try await base.resources(kind, state: state) }
    }

    public func due(_ kind: ResourceKind, by time: Int64, limit: Int) async throws -> [FlowResource] {
        try await measure("due") { try await base.due(kind, by: time, limit: limit) }
    }

    public func earliestDue(_ kind: ResourceKind) async throws -> Int64? {
        try await measure("earliestDue") { try await base.earliestDue(kind) }
    }
}
