// What every store does, tested on each (SQLite, and PostgreSQL when a server runs): secrets sealed
// at rest and bound to their record, scoping by organization and sandbox, compare-and-swap updates,
// all-or-nothing transactions, tenancy records; and the master key file.
import Crypto
import FlowModel
import FlowStore
import Foundation
import TestSupport
import Testing

@Suite("Store contract")
struct StoreContractTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tributary-store-\(UUID().uuidString)")
    let scope = TenantScope(orgId: "AAAAAAAAAAAAAAAAAAAAAAAA@AdobeOrg", sandboxName: "prod", sandboxId: "s-1")

    func resource(id: String = UUID().uuidString.lowercased(), in scope: TenantScope? = nil, secret: String = "s3cr3t-value") -> FlowResource {
        let scope = scope ?? self.scope
        let caller = Caller(clientId: "client", scope: scope)
        return FlowResource(
            kind: .connections,
            metadata: ResourceMetadata(id: id, caller: caller, now: 1_700_000_000_000),
            body: ["name": "n"],
            secrets: ["accessToken": .string(secret)]
        )
    }

    @Test(arguments: StoreKind.available) func secretsAreSealedAndOnlyTheRightKeyOpensThem(_ kind: StoreKind) async throws {
        let key = SymmetricKey(size: .bits256)
        let location = try StoreLocation(kind)
        let store = try await location.open(key: key)
        let stored = resource(secret: "plain-text-secret-123")
        try await store.insert(stored)
        #expect(try await store.resource(.connections, id: stored.id, in: scope)?.secrets == ["accessToken": "plain-text-secret-123"])
        let bytes =
            switch kind {
            case .sqlite: try StoredBytes.files(under: URL(fileURLWithPath: location.place).deletingLastPathComponent())
            case .postgres: try await StoredBytes.rows(at: location.place)
            }
        #expect(!bytes.isEmpty)
        #expect(bytes.range(of: Data("plain-text-secret-123".utf8)) == nil)

        let stranger = try await location.open(key: SymmetricKey(size: .bits256))
        await #expect(throws: FlowStoreError.self) { try await stranger.resource(.connections, id: stored.id, in: scope) }
    }

    @Test func sealedValuesAreBoundToTheirRecord() throws {
        let sealer = SecretSealer(key: SymmetricKey(size: .bits256))
        let sealed = try sealer.seal(Data("x".utf8), boundTo: "connections/a")
        #expect(try sealer.open(sealed, boundTo: "connections/a") == Data("x".utf8))
        #expect(throws: FlowStoreError.self) { try sealer.open(sealed, boundTo: "connections/b") }
        var tampered = sealed
        tampered[tampered.count - 1] ^= 1
        #expect(throws: FlowStoreError.self) { try sealer.open(tampered, boundTo: "connections/a") }
    }

    @Test(arguments: StoreKind.available) func recordsAreScopedByOrganizationAndSandbox(_ kind: StoreKind) async throws {
        let store = try await StoreLocation(kind).open()
        let mine = resource()
        try await store.insert(mine)
        let otherSandbox = TenantScope(orgId: scope.orgId, sandboxName: "dev", sandboxId: "s-2")
        let otherOrg = TenantScope(orgId: "BBBBBBBBBBBBBBBBBBBBBBBB@AdobeOrg", sandboxName: "prod", sandboxId: "s-3")
        try await store.insert(resource(in: otherSandbox))
        for other in [otherSandbox, otherOrg] {
            #expect(try await store.resource(.connections, id: mine.id, in: other) == nil)
            #expect(try await store.delete(.connections, id: mine.id, in: other) == false)
        }
        #expect(try await store.resources(.connections, in: scope, matching: ResourceQuery()).map(\.resource.id) == [mine.id])
        #expect(try await store.resources(.connections, in: otherOrg, matching: ResourceQuery()).isEmpty)
        #expect(try await store.count(.connections, in: otherSandbox, matching: []) == 1)
        await #expect(throws: FlowStoreError.self) { try await store.insert(mine) }
    }

    @Test(arguments: StoreKind.available) func replaceIsCompareAndSwapOnTheEtag(_ kind: StoreKind) async throws {
        let store = try await StoreLocation(kind).open()
        let original = resource()
        try await store.insert(original)
        var first = original
        first.body["name"] = "first"
        first.metadata.touch(by: Caller(clientId: "c", scope: scope), now: 1_700_000_000_001)
        #expect(try await store.replace(first, expectedEtag: original.metadata.etag))
        var second = original
        second.body["name"] = "second"
        second.metadata.touch(by: Caller(clientId: "c", scope: scope), now: 1_700_000_000_002)
        #expect(try await store.replace(second, expectedEtag: original.metadata.etag) == false)
        #expect(try await store.resource(.connections, id: original.id, in: scope)?.body["name"] == "first")
    }

    @Test(arguments: StoreKind.available) func applyIsAllOrNothing(_ kind: StoreKind) async throws {
        let store = try await StoreLocation(kind).open()
        let kept = resource(id: "kept")
        let gone = resource(id: "gone")
        try await store.insert(kept)
        try await store.insert(gone)
        var changed = kept
        changed.body["name"] = "changed"
        changed.metadata.touch(by: Caller(clientId: "c", scope: scope), now: 1_700_000_000_003)
        // A stale etag on the last change undoes the first two.
        let stale: [ResourceChange] = [
            .insert(resource(id: "new")), .replace(changed, expectedEtag: kept.metadata.etag), .delete(gone, expectedEtag: "\"stale\""),
        ]
        #expect(try await store.apply(stale) == false)
        #expect(try await store.resource(.connections, id: "new", in: scope) == nil)
        #expect(try await store.resource(.connections, id: "kept", in: scope)?.body["name"] == "n")
        // An insert of an existing id throws and undoes the rest.
        await #expect(throws: FlowStoreError.self) {
            try await store.apply([.replace(changed, expectedEtag: kept.metadata.etag), .insert(resource(id: "gone"))])
        }
        #expect(try await store.resource(.connections, id: "kept", in: scope)?.body["name"] == "n")
        // All of them hold: all are done.
        #expect(
            try await store.apply([
                .insert(resource(id: "new")), .replace(changed, expectedEtag: kept.metadata.etag), .delete(gone, expectedEtag: gone.metadata.etag),
            ])
        )
        #expect(try await store.resource(.connections, id: "new", in: scope) != nil)
        #expect(try await store.resource(.connections, id: "kept", in: scope)?.body["name"] == "changed")
        #expect(try await store.resource(.connections, id: "gone", in: scope) == nil)
    }

    @Test(arguments: StoreKind.available) func aPlannedKindIsDueWhenWrittenAndWhenTheSchedulerSaysSo(_ kind: StoreKind) async throws {
        let store = try await StoreLocation(kind).open()
        let otherOrg = TenantScope(orgId: "BBBBBBBBBBBBBBBBBBBBBBBB@AdobeOrg", sandboxName: "prod", sandboxId: "s-3")
        func flow(_ id: String, in scope: TenantScope, at time: Int64) -> FlowResource {
            FlowResource(
                kind: .flows,
                metadata: ResourceMetadata(id: id, caller: Caller(clientId: "c", scope: scope), now: time),
                body: ["name": "f"]
            )
        }
        // A write makes a flow due at the time of the write, in every tenant; other kinds never are.
        try await store.insert(flow("early", in: scope, at: 100))
        try await store.insert(flow("late", in: otherOrg, at: 200))
        try await store.insert(resource(id: "connection"))
        #expect(try await store.due(.flows, by: 99, limit: 10).isEmpty)
        #expect(try await store.due(.flows, by: 1_000, limit: 10).map(\.id) == ["early", "late"])
        #expect(try await store.due(.flows, by: 1_000, limit: 1).map(\.id) == ["early"])
        #expect(try await store.due(.connections, by: .max, limit: 10).isEmpty)
        #expect(try await store.earliestDue(.flows) == 100)

        // The scheduler sets the next look for the version it planned; a stale etag changes nothing.
        let early = try #require(try await store.resource(.flows, id: "early", in: scope))
        #expect(try await store.apply([.setDue(.flows, id: "early", in: scope, expectedEtag: "\"stale\"", at: 5_000)]) == false)
        #expect(try await store.earliestDue(.flows) == 100)
        #expect(try await store.apply([.setDue(.flows, id: "early", in: scope, expectedEtag: early.metadata.etag, at: 5_000)]))
        #expect(try await store.due(.flows, by: 1_000, limit: 10).map(\.id) == ["late"])
        #expect(try await store.earliestDue(.flows) == 200)

        // Never again (nil) until written; hastening brings a look forward, never back.
        let late = try #require(try await store.resource(.flows, id: "late", in: otherOrg))
        #expect(try await store.apply([.setDue(.flows, id: "late", in: otherOrg, expectedEtag: late.metadata.etag, at: nil)]))
        #expect(try await store.earliestDue(.flows) == 5_000)
        #expect(try await store.apply([.hasten(.flows, id: "early", in: scope, at: 9_000), .hasten(.flows, id: "gone", in: scope, at: 1)]))
        #expect(try await store.earliestDue(.flows) == 5_000)
        #expect(try await store.apply([.hasten(.flows, id: "late", in: otherOrg, at: 300)]))
        #expect(try await store.due(.flows, by: 1_000, limit: 10).map(\.id) == ["late"])
        #expect(try await store.apply([.hasten(.flows, id: "late", in: scope, at: 1)]))  // another tenant's id: nothing
        #expect(try await store.earliestDue(.flows) == 300)

        // A client's write of the flow makes it due again, at the write's time.
        var changed = early
        changed.body["name"] = "changed"
        changed.metadata.touch(by: Caller(clientId: "c", scope: scope), now: 7_000)
        #expect(try await store.replace(changed, expectedEtag: early.metadata.etag))
        #expect(try await store.due(.flows, by: 7_000, limit: 10).map(\.id) == ["late", "early"])
    }

    @Test(arguments: StoreKind.available) func resourcesByStateAcrossTenants(_ kind: StoreKind) async throws {
        let store = try await StoreLocation(kind).open()
        let otherOrg = TenantScope(orgId: "BBBBBBBBBBBBBBBBBBBBBBBB@AdobeOrg", sandboxName: "prod", sandboxId: "s-3")
        for (index, (state, scope)) in [("scheduled", scope), ("inProgress", scope), ("scheduled", otherOrg), (nil, scope)].enumerated() {
            var run = resource(id: "run-\(index)", in: scope)
            run.kind = .runs
            run.metadata = ResourceMetadata(id: "run-\(index)", caller: Caller(clientId: "c", scope: scope), now: Int64(100 - index))
            if let state { run.body["state"] = .string(state) }
            try await store.insert(run)
        }
        #expect(try await store.resources(.runs, state: "scheduled").map(\.id) == ["run-2", "run-0"], "oldest first, every tenant")
        #expect(try await store.resources(.runs, state: "inProgress").map(\.id) == ["run-1"])
        #expect(try await store.resources(.connections, state: "scheduled").isEmpty)
    }

    @Test(arguments: StoreKind.available) func tenancyRecords(_ kind: StoreKind) async throws {
        let store = try await StoreLocation(kind).open()
        let organization = Organization(id: "CCCCCCCCCCCCCCCCCCCCCCCC@AdobeOrg", name: "Acme", createdAt: 5)
        try await store.createOrganization(
            organization,
            defaultSandbox: Sandbox(id: "sb-1", name: "prod", orgId: organization.id, isDefault: true, createdAt: 5)
        )
        try await store.createSandbox(Sandbox(id: "sb-2", name: "dev", orgId: organization.id, isDefault: false, createdAt: 6))
        await #expect(throws: FlowStoreError.self) {
            try await store.createSandbox(Sandbox(id: "sb-3", name: "dev", orgId: organization.id, isDefault: false, createdAt: 7))
        }
        #expect(try await store.organizations().map(\.id) == [organization.id])
        #expect(try await store.organization(id: organization.id)?.name == "Acme")
        #expect(try await store.organization(id: "missing") == nil)
        #expect(try await store.sandboxes(orgId: organization.id).map(\.name) == ["prod", "dev"])
        #expect(try await store.defaultSandbox(orgId: organization.id)?.id == "sb-1")
        let client = APIClient(clientId: "client-1", orgId: organization.id, name: "ci", secretHash: "hash", createdAt: 8)
        try await store.createClient(client)
        await #expect(throws: FlowStoreError.self) { try await store.createClient(client) }
        #expect(try await store.client(id: "client-1")?.secretHash == "hash")
        #expect(try await store.client(id: "missing") == nil)
        #expect(try await store.clients(orgId: organization.id).map(\.clientId) == ["client-1"])
    }

    @Test func keyFileIsCreatedPrivateOnceAndReused() throws {
        let file = directory.appendingPathComponent("secret.key")
        let (key, created) = try SecretKeySource.load(environmentValue: nil, file: file)
        #expect(created)
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let (again, createdAgain) = try SecretKeySource.load(environmentValue: nil, file: file)
        #expect(!createdAgain)
        #expect(key == again)
        let fromEnvironment = Data(repeating: 7, count: 32).base64EncodedString()
        #expect(try SecretKeySource.load(environmentValue: fromEnvironment, file: file).key == SymmetricKey(data: Data(repeating: 7, count: 32)))
        #expect(throws: FlowStoreError.self) { try SecretKeySource.load(environmentValue: "c2hvcnQ=", file: file) }
    }
}
