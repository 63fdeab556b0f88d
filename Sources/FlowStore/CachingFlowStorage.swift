// Resources read by id, kept in memory by the process that is the store's only writer of
// resources (`tributary serve`, which holds the data directory's lock). Every write through this
// store forgets what it touched after the store took it, and a read that raced a write is not kept,
// so a kept resource is always the stored one. Administration commands read the store directly:
// they are not its writer and would not see the service's writes.
public import FlowModel
import Synchronization

/// A ``FlowStorage`` that answers `resource(_:id:in:)` from memory when it can.
public struct CachingFlowStorage: FlowStorage {
    /// The store read and written through.
    public let base: any FlowStorage
    private let cache: ResourceCache

    /// Keeps up to `capacity` resources of `base` in memory.
    public init(_ base: any FlowStorage, capacity: Int = 4096) {
        self.base = base
        cache = ResourceCache(capacity: capacity)
    }

    public func resource(_ kind: ResourceKind, id: String, in scope: TenantScope) async throws -> FlowResource? {
        if let kept = cache.resource(id) {
            return kept.kind == kind && kept.metadata.imsOrgId == scope.orgId && kept.metadata.sandboxName == scope.sandboxName ? kept : nil
        }
        let generation = cache.generation
        let found = try await base.resource(kind, id: id, in: scope)
        if let found { cache.keep(found, readAt: generation) }
        return found
    }

    public func insert(_ resource: FlowResource) async throws {
        try await cache.writing([resource.id]) { try await base.insert(resource) }
    }

    public func replace(_ resource: FlowResource, expectedEtag: String) async throws -> Bool {
        try await cache.writing([resource.id]) { try await base.replace(resource, expectedEtag: expectedEtag) }
    }

    public func delete(_ kind: ResourceKind, id: String, in scope: TenantScope) async throws -> Bool {
        try await cache.writing([id]) { try await base.delete(kind, id: id, in: scope) }
    }

    public func apply(_ changes: [ResourceChange]) async throws -> Bool {
        try await cache.writing(changes.map(\.id)) { try await base.apply(changes) }
    }

    // What is not read by id goes to the store.

    public func resources(_ kind: ResourceKind, in scope: TenantScope, matching query: ResourceQuery) async throws -> [OrderedResource] {
        try await base.resources(kind, in: scope, matching: query)
    }

    public func count(_ kind: ResourceKind, in scope: TenantScope, matching filters: [StoredFilter]) async throws -> Int {
        try await base.count(kind, in: scope, matching: filters)
    }

    public func resources(_ kind: ResourceKind, state: String) async throws -> [FlowResource] {
        try await base.resources(kind, state: state)
    }

    public func due(_ kind: ResourceKind, by time: Int64, limit: Int) async throws -> [FlowResource] {
        try await base.due(kind, by: time, limit: limit)
    }

    public func earliestDue(_ kind: ResourceKind) async throws -> Int64? { try await base.earliestDue(kind) }

    public func createOrganization(_ organization: Organization, defaultSandbox: Sandbox) async throws {
        try await base.createOrganization(organization, defaultSandbox: defaultSandbox)
    }

    public func organizations() async throws -> [Organization] { try await base.organizations() }

    public func organization(id: String) async throws -> Organization? { try await base.organization(id: id) }

    public func createSandbox(_ sandbox: Sandbox) async throws { try await base.createSandbox(sandbox) }

    public func sandboxes(orgId: String) async throws -> [Sandbox] { try await base.sandboxes(orgId: orgId) }

    public func createClient(_ client: APIClient) async throws { try await base.createClient(client) }

    public func client(id clientId: String) async throws -> APIClient? { try await base.client(id: clientId) }

    public func clients(orgId: String) async throws -> [APIClient] { try await base.clients(orgId: orgId) }
}

/// Resources by id, and a generation bumped by every write's beginning and end, which tells a read
/// whether a write may have overtaken it.
final class ResourceCache: Sendable {
    private struct State {
        var resources: [String: FlowResource] = [:]
        /// Bumped when a write begins and when it ends.
        var generation: UInt64 = 0
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The kept resource `id`, if any.
    func resource(_ id: String) -> FlowResource? {
        state.withLock { $0.resources[id] }
    }

    /// The current generation, taken before a read of the store.
    var generation: UInt64 { state.withLock { $0.generation } }

    /// Keeps `resource` unless a write began or ended since `generation` was taken. (A read that
    /// lies wholly inside a write may keep what the write replaces: the write's end forgets it.)
    func keep(_ resource: FlowResource, readAt generation: UInt64) {
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.resources.count >= capacity, state.resources[resource.id] == nil {
                state.resources.remove(at: state.resources.startIndex)
            }
            state.resources[resource.id] = resource
        }
    }

    /// Runs `write`, forgetting `ids` before it begins and after it ends, whatever its outcome.
    func writing<T>(_ ids: [String], _ write: () async throws -> T) async throws -> T {
        state.withLock { state in
            state.generation &+= 1
            for id in ids { state.resources[id] = nil }
        }
        defer {
            state.withLock { state in
                state.generation &+= 1
                for id in ids { state.resources[id] = nil }
            }
        }
        return try await write()
    }
}
