// The SQLite store: secrets sealed at rest and bound to their record, scoping by organization and
// sandbox, compare-and-swap updates, and the master key file.
import Crypto
import FlowModel
import FlowStore
import Foundation
import Testing

@Suite("SQLite store")
struct SQLiteFlowStorageTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tributary-store-\(UUID().uuidString)")
    var path: String { directory.appendingPathComponent("db.sqlite").path }
    let scope = TenantScope(orgId: "AAAAAAAAAAAAAAAAAAAAAAAA@AdobeOrg", sandboxName: "prod", sandboxId: "s-1")

    func open(key: SymmetricKey) throws -> SQLiteFlowStorage {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try SQLiteFlowStorage(path: path, sealer: SecretSealer(key: key))
    }

    func resource(id: String = UUID().uuidString.lowercased(), in scope: TenantScope? = nil, secret: String = "s3cr3t-value") -> FlowResource {
        let scope = scope ?? self.scope
        let caller = Caller(clientId: "client", scope: scope)
        return FlowResource(
            kind: .connections, metadata: ResourceMetadata(id: id, caller: caller, now: 1_700_000_000_000),
            body: ["name": "n"], secrets: ["accessToken": .string(secret)])
    }

    @Test func secretsAreSealedAndOnlyTheRightKeyOpensThem() async throws {
        let key = SymmetricKey(size: .bits256)
        let store = try open(key: key)
        let stored = resource(secret: "plain-text-secret-123")
        try await store.insert(stored)
        #expect(try await store.resource(.connections, id: stored.id, in: scope)?.secrets == ["accessToken": "plain-text-secret-123"])
        var bytes = Data()
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            bytes.append(try Data(contentsOf: directory.appendingPathComponent(name)))
        }
        #expect(bytes.range(of: Data("plain-text-secret-123".utf8)) == nil)

        let stranger = try SQLiteFlowStorage(path: path, sealer: SecretSealer(key: SymmetricKey(size: .bits256)))
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

    @Test func recordsAreScopedByOrganizationAndSandbox() async throws {
        let store = try open(key: SymmetricKey(size: .bits256))
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

    @Test func replaceIsCompareAndSwapOnTheEtag() async throws {
        let store = try open(key: SymmetricKey(size: .bits256))
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
