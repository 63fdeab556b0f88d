// The service's resource cache: what it answers is always what the store holds after every write
// made through it, including writes that race reads, and another scope or kind never sees it.
import Crypto
import FlowModel
import FlowStore
import Foundation
import Testing

@Suite("Caching store")
struct CachingFlowStorageTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tributary-cache-\(UUID().uuidString)")
    let scope = TenantScope(orgId: "AAAAAAAAAAAAAAAAAAAAAAAA@AdobeOrg", sandboxName: "prod", sandboxId: "s-1")

    func open() throws -> (cached: CachingFlowStorage, base: SQLiteFlowStorage) {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let base = try SQLiteFlowStorage(
            path: directory.appendingPathComponent("db.sqlite").path,
            sealer: SecretSealer(key: SymmetricKey(size: .bits256))
        )
        return (CachingFlowStorage(base, capacity: 64), base)
    }

    func resource(name: String = "n") -> FlowResource {
        FlowResource(
            kind: .connections,
            metadata: ResourceMetadata(id: UUID().uuidString.lowercased(), caller: Caller(clientId: "c", scope: scope), now: 1),
            body: ["name": .string(name)],
            secrets: ["accessToken": "token"]
        )
    }

    /// `resource` changed the way the routes change one: new body, new etag.
    func changed(_ resource: FlowResource, name: String) -> FlowResource {
        var updated = resource
        updated.body["name"] = .string(name)
        updated.metadata.touch(by: Caller(clientId: "c", scope: scope), now: 2)
        return updated
    }

    @Test func readsSeeEveryWriteMadeThroughIt() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let (store, _) = try open()
        let first = resource(name: "one")
        try await store.insert(first)
        #expect(try await store.resource(.connections, id: first.id, in: scope) == first)
        #expect(try await store.resource(.connections, id: first.id, in: scope) == first)

        let second = changed(first, name: "two")
        #expect(try await store.replace(second, expectedEtag: first.metadata.etag))
        #expect(try await store.resource(.connections, id: first.id, in: scope) == second)

        let third = changed(second, name: "three")
        #expect(try await store.apply([.replace(third, expectedEtag: second.metadata.etag)]))
        #expect(try await store.resource(.connections, id: first.id, in: scope) == third)

        #expect(try await store.delete(.connections, id: first.id, in: scope))
        #expect(try await store.resource(.connections, id: first.id, in: scope) == nil)
    }

    @Test func anotherScopeOrKindNeverSeesAKeptResource() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let (store, _) = try open()
        let kept = resource()
        try await store.insert(kept)
        #expect(try await store.resource(.connections, id: kept.id, in: scope) != nil)
        let otherSandbox = TenantScope(orgId: scope.orgId, sandboxName: "dev", sandboxId: "s-2")
        let otherOrg = TenantScope(orgId: "BBBBBBBBBBBBBBBBBBBBBBBB@AdobeOrg", sandboxName: "prod", sandboxId: "s-1")
        #expect(try await store.resource(.connections, id: kept.id, in: otherSandbox) == nil)
        #expect(try await store.resource(.connections, id: kept.id, in: otherOrg) == nil)
        #expect(try await store.resource(.flows, id: kept.id, in: scope) == nil)
    }

    @Test func aResourceReadOnceIsAnsweredFromMemory() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let (store, base) = try open()
        let kept = resource()
        try await store.insert(kept)
        _ = try await store.resource(.connections, id: kept.id, in: scope)
        // Deleted behind the cache's back, as only a second writer could: the cache still answers.
        // This is why only the process holding the data directory's lock caches.
        #expect(try await base.delete(.connections, id: kept.id, in: scope))
        #expect(try await store.resource(.connections, id: kept.id, in: scope) == kept)
    }

    @Test func aReadOvertakenByAWriteIsNotKept() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let (_, base) = try open()
        let paused = PausingStorage(base)
        let store = CachingFlowStorage(paused)
        let first = resource(name: "before")
        try await store.insert(first)
        // A read takes the old version from the store, and is held there while a write replaces it.
        let read = Task { try await store.resource(.connections, id: first.id, in: scope) }
        await paused.readHeld()
        let second = changed(first, name: "after")
        #expect(try await store.replace(second, expectedEtag: first.metadata.etag))
        paused.release()
        #expect(try await read.value == first)
        #expect(try await store.resource(.connections, id: first.id, in: scope) == second)
    }

    @Test func readsRacingWritesNeverKeepAnOverwrittenVersion() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let (store, base) = try open()
        // More resources than the cache holds, so that keeping also evicts while writes go on.
        var created: [FlowResource] = []
        for index in 0..<80 {
            created.append(resource(name: "v0-\(index)"))
            try await store.insert(created[index])
        }
        let resources = created
        let scope = self.scope
        try await withThrowingTaskGroup(of: Void.self) { group in
            for start in resources {
                group.addTask {
                    var current = start
                    for version in 1...6 {
                        let next = changed(current, name: "v\(version)")
                        let replaced = try await store.replace(next, expectedEtag: current.metadata.etag)
                        #expect(replaced, "only this task writes this resource")
                        guard replaced else { return }
                        current = next
                    }
                }
            }
            for reader in 0..<4 {
                group.addTask {
                    for round in 0..<300 {
                        _ = try await store.resource(.connections, id: resources[(round * 7 + reader) % resources.count].id, in: scope)
                    }
                }
            }
            try await group.waitForAll()
        }
        for resource in resources {
            let answered = try await store.resource(.connections, id: resource.id, in: scope)
            let stored = try await base.resource(.connections, id: resource.id, in: scope)
            #expect(answered == stored)
            #expect(answered?.body["name"] == "v6")
        }
    }
}

/// A store whose first read by id is held, after it has read, until the test releases it.
private final class PausingStorage: FlowStorage, @unchecked Sendable {
    let base: any FlowStorage
    private let held = AsyncStream<Void>.makeStream()
    private let released = AsyncStream<Void>.makeStream()
    private var reads = 0

    init(_ base: any FlowStorage) { self.base = base }

    func readHeld() async { for await _ in held.stream { return } }
    func release() { released.continuation.yield() }

    func resource(_ kind: ResourceKind, id: String, in scope: TenantScope) async throws -> FlowResource? {
        let found = try await base.resource(kind, id: id, in: scope)
        reads += 1  // only the test's two sequential reads and the held one: never concurrent
        if reads == 1 {
            held.continuation.yield()
            for await _ in released.stream { break }
        }
        return found
    }

    func insert(_ resource: FlowResource) async throws { try await base.insert(resource) }
    func replace(_ resource: FlowResource, expectedEtag: String) async throws -> Bool { try await base.replace(resource, expectedEtag: expectedEtag) }
    func delete(_ kind: ResourceKind, id: String, in scope: TenantScope) async throws -> Bool { try await base.delete(kind, id: id, in: scope) }
    func apply(_ changes: [ResourceChange]) async throws -> Bool { try await base.apply(changes) }
    func resources(_ kind: ResourceKind, in scope: TenantScope, matching query: ResourceQuery) async throws -> [OrderedResource] {
        try await base.resources(kind, in: scope, matching: query)
    }
    func count(_ kind: ResourceKind, in scope: TenantScope, matching filters: [StoredFilter]) async throws -> Int {
        try await base.count(kind, in: scope, matching: filters)
    }
    func resources(_ kind: ResourceKind, state: String) async throws -> [FlowResource] { try await base.resources(kind, state: state) }
    func due(_ kind: ResourceKind, by time: Int64, limit: Int) async throws -> [FlowResource] { try await base.due(kind, by: time, limit: limit) }
    func earliestDue(_ kind: ResourceKind) async throws -> Int64? { try await base.earliestDue(kind) }
    func createOrganization(_ organization: Organization, defaultSandbox: Sandbox) async throws {
        try await base.createOrganization(organization, defaultSandbox: defaultSandbox)
    }
    func organizations() async throws -> [Organization] { try await base.organizations() }
    func organization(id: String) async throws -> Organization? { try await base.organization(id: id) }
    func createSandbox(_ sandbox: Sandbox) async throws { try await base.createSandbox(sandbox) }
    func sandboxes(orgId: String) async throws -> [Sandbox] { try await base.sandboxes(orgId: orgId) }
    func createClient(_ client: APIClient) async throws { try await base.createClient(client) }
    func client(id clientId: String) async throws -> APIClient? { try await base.client(id: clientId) }
    func clients(orgId: String) async throws -> [APIClient] { try await base.clients(orgId: orgId) }
}
