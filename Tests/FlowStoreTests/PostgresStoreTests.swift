// What only the PostgreSQL store has: its URL settings, migrations that instances starting together
// apply once, a clear `unavailable` instead of a hang when the server cannot be reached, and text it
// cannot hold refused as such.
import Crypto
import FlowModel
import Foundation
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import FlowStore

@Suite("PostgreSQL settings")
struct PostgresSettingsTests {
    @Test func aURLGivesEverySetting() throws {
        let settings = try PostgresSettings(
            url:
                "postgresql://app%40corp:p%2Fss@db.internal:6543/flows?sslmode=verify-full&sslrootcert=/etc/ca.pem&schema=tributary&pool_size=30&statement_timeout=5&connect_timeout=3"
        )
        #expect(settings.host == "db.internal")
        #expect(settings.port == 6543)
        #expect(settings.username == "app@corp")
        #expect(settings.password == "p/ss")
        #expect(settings.database == "flows")
        #expect(settings.tlsMode == .verifyFull)
        #expect(settings.rootCertificateFile == "/etc/ca.pem")
        #expect(settings.schema == "tributary")
        #expect(settings.maximumConnections == 30)
        #expect(settings.statementTimeoutSeconds == 5)
        #expect(settings.connectTimeoutSeconds == 3)
        #expect(!settings.redacted.contains("p/ss"))
        let defaults = try PostgresSettings(url: "postgres://app@localhost/flows")
        #expect(defaults.port == 5432)
        #expect(defaults.tlsMode == .prefer)
        #expect(defaults.schema == "public")
        #expect(defaults.maximumConnections == 10)
    }

    @Test(arguments: [
        ("mysql://u@h/d", "expected postgres://"), ("postgres://h/d", "the user is missing"), ("postgres://u@h", "the database is missing"),
        ("postgres://u@h/d?sslmode=maybe", "sslmode must be one of"), ("postgres://u@h/d?schema=Bad-Name", "schema must be"),
        ("postgres://u@h/d?pool_size=0", "pool_size must be a whole number from 1 to 200"),
        ("postgres://u@h/d?colour=blue", "unknown parameter 'colour'"),
        ("postgres://u:hunter2@h/d?pool_size=x", "pool_size"),
    ])
    func aURLThatCannotBeUsedSaysWhy(_ url: String, _ reason: String) {
        #expect {
            _ = try PostgresSettings(url: url)
        } throws: { error in
            let message = (error as? FlowStoreError)?.message ?? ""
            return message.contains(reason) && !message.contains("hunter2")
        }
    }
}

@Suite("PostgreSQL store", .enabled(if: TestDatabase.postgresURL != nil, Comment(rawValue: TestDatabase.skip)))
struct PostgresStoreTests {
    let scope = TenantScope(orgId: "AAAAAAAAAAAAAAAAAAAAAAAA@AdobeOrg", sandboxName: "prod", sandboxId: "s-1")

    func open(_ url: String) async throws -> PostgresFlowStorage {
        try await PostgresFlowStorage.open(
            PostgresSettings(url: url),
            sealer: SecretSealer(key: SymmetricKey(size: .bits256)),
            logger: Logger(label: "test")
        )
    }

    @Test func instancesStartingTogetherApplyEachMigrationOnce() async throws {
        let url = try #require(TestDatabase.isolatedURL())
        let stores = try await withThrowingTaskGroup(of: PostgresFlowStorage.self) { group in
            for _ in 0..<4 { group.addTask { try await open(url) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let expected = PostgresFlowStorage.migrations.map { "v\($0.version): \($0.name)" }
        for store in stores {
            #expect(try await store.appliedMigrations() == expected)
        }
        // Opening again applies nothing and finds everything in place.
        let again = try await open(url)
        #expect(try await again.appliedMigrations() == expected)
        try await again.insert(
            FlowResource(kind: .connections, metadata: ResourceMetadata(id: "a", caller: Caller(clientId: "c", scope: scope), now: 1), body: [:])
        )
        #expect(try await stores[0].resource(.connections, id: "a", in: scope) != nil)
        for store in stores + [again] { await store.close() }
    }

    @Test func anUnreachableServerIsUnavailableWithinTheConnectTimeout() async throws {
        // A port nothing listens on: the call gives up at once, within connect_timeout at most. Timed on
        // an executor of its own: on the shared pool the clock would measure the other tests' queue.
        let took = await onOwnExecutor {
            let started = ContinuousClock.now
            await #expect {
                _ = try await open("postgres://tributary@127.0.0.1:1/tributary?sslmode=disable&connect_timeout=1")
            } throws: { error in
                (error as? FlowStoreError)?.code == .unavailable
            }
            return ContinuousClock.now - started
        }
        #expect(took < .seconds(10))
    }

    @Test func aWriteWhoseCallerIsCancelledReportsWhatTheServerDid() async throws {
        // The write waits on a row another connection holds; its caller is cancelled meanwhile (a
        // service's shutdown); the row is let go. The server then runs the write: the caller must
        // hear that it was taken, never an error for a write that is stored (a scheduler told its
        // claim failed would leave the claimed run with no one to run it).
        let url = try #require(TestDatabase.isolatedURL())
        let store = try await open(url)
        let original = FlowResource(
            kind: .connections,
            metadata: ResourceMetadata(id: "held", caller: Caller(clientId: "c", scope: scope), now: 1),
            body: ["name": "one"]
        )
        try await store.insert(original)
        var changed = original
        changed.body["name"] = "two"
        changed.metadata.touch(by: Caller(clientId: "c", scope: scope), now: 2)
        let logger = Logger(label: "test")
        let holder = PostgresClient(configuration: try PostgresSettings(url: url).clientConfiguration())
        let outcome = try await withThrowingTaskGroup(of: Result<Bool, any Error>?.self) { group in
            group.addTask {
                await holder.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await holder.withConnection { connection in
                try await connection.query("BEGIN", logger: logger)
                try await connection.query("SELECT id FROM resources WHERE id = 'held' FOR UPDATE", logger: logger)
                let write = Task { [changed] in try await store.apply([.replace(changed, expectedEtag: original.metadata.etag)]) }
                try await Task.sleep(for: .milliseconds(500))
                write.cancel()
                try await Task.sleep(for: .milliseconds(200))
                try await connection.query("COMMIT", logger: logger)
                return await write.result
            }
        }
        let stored = try #require(try await store.resource(.connections, id: "held", in: scope))
        switch outcome {
        case .success(let taken):
            #expect(taken == (stored.body["name"] == "two"), "the write says \(taken) and the row holds \(stored.body["name"] ?? nil)")
        case .failure(let error):
            #expect(stored.body["name"] == "one", "the write failed (\(error)) but the row holds what it wrote")
        }
        await store.close()
    }

    @Test func tlsAsTheURLAsksWithTheCertificateChecked() async throws {
        // The server lets `tls_only` in over TLS only: opening and using the store proves TLS was used.
        let ca = try #require(TestDatabase.certificateAuthorityFile)
        for mode in ["require", "verify-ca", "verify-full"] {
            let store = try await open(try #require(TestDatabase.isolatedURL(user: "tls_only", query: "sslmode=\(mode)&sslrootcert=\(ca)")))
            try await store.insert(
                FlowResource(kind: .connections, metadata: ResourceMetadata(id: "t", caller: Caller(clientId: "c", scope: scope), now: 1), body: [:])
            )
            #expect(try await store.resource(.connections, id: "t", in: scope) != nil, "\(mode)")
            await store.close()
        }
        // Without TLS the server refuses, and says why.
        await #expect {
            _ = try await open(try #require(TestDatabase.isolatedURL(user: "tls_only", query: "sslmode=disable")))
        } throws: { error in
            let error = error as? FlowStoreError
            return error?.code == .refused && error?.message.contains("no encryption") == true
        }
        // A certificate no trusted authority signed is refused when the URL asks for it to be checked.
        await #expect {
            _ = try await open(try #require(TestDatabase.isolatedURL(user: "tls_only", query: "sslmode=verify-full")))
        } throws: { error in
            let error = error as? FlowStoreError
            return error?.code == .refused && error?.message.contains("TLS handshake") == true
        }
    }

    @Test func aDatabaseThatDoesNotExistIsRefusedAtOnce() async throws {
        let url = try #require(TestDatabase.isolatedURL()).replacingOccurrences(of: "/tributary?", with: "/no_such_database?")
        await #expect {
            _ = try await open(url)
        } throws: { error in
            let error = error as? FlowStoreError
            return error?.code == .refused && error?.message.contains("does not exist") == true
        }
    }

    @Test func textWithNULIsRefusedAsSuch() async throws {
        let store = try await open(try #require(TestDatabase.isolatedURL()))
        let resource = FlowResource(
            kind: .connections,
            metadata: ResourceMetadata(id: "nul", caller: Caller(clientId: "c", scope: scope), now: 1),
            body: ["name": "a\u{0}b"]
        )
        await #expect {
            try await store.insert(resource)
        } throws: { error in
            (error as? FlowStoreError)?.code == .unstorableText
        }
        #expect(try await store.resource(.connections, id: "nul", in: scope) == nil)
        await store.close()
    }

    @Test func aPositionOfAnotherOrderIsRefused() async throws {
        let store = try await open(try #require(TestDatabase.isolatedURL()))
        let query = ResourceQuery(order: .createdAt, after: ListQuery.Cursor(value: "not a time", id: "x"))
        await #expect {
            _ = try await store.resources(.connections, in: scope, matching: query)
        } throws: { error in
            (error as? FlowStoreError)?.code == .invalidPosition
        }
        await store.close()
    }
}
