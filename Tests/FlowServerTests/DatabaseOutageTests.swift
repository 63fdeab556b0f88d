// The service on PostgreSQL while PostgreSQL goes away and comes back: calls answer a clear 503 with
// Retry-After meanwhile (no crash, no hang beyond the connect timeout), nothing stored is lost, and
// calls succeed again once the database is back.
import FlowModel
import FlowServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

@Suite(
    "The database restarted",
    .enabled(if: TestDatabase.postgresURL != nil && !TestDatabase.servicesUsePostgres, Comment(rawValue: TestDatabase.skip))
)
struct DatabaseOutageTests {
    @Test func callsAnswer503WhileTheDatabaseIsDownAndSucceedOnceItIsBack() async throws {
        let postgres = try await PrivatePostgres.start()
        defer { postgres.remove() }
        let service = try await TestService.make { configuration in
            configuration.databaseURL = postgres.url + "&schema=outage&connect_timeout=3&pool_size=2"
        }
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let created = try await client.createConnection(tenant)
            #expect(created.status == .created)
            let id = try #require(created.json["id"]?.stringValue)

            try await postgres.stop()
            let started = ContinuousClock.now
            for call in ["read", "list", "create"] {
                let answer =
                    switch call {
                    case "read": try await client.get("/connections/\(id)", tenant)
                    case "list": try await client.get("/connections", tenant)
                    default: try await client.createConnection(tenant)
                    }
                #expect(answer.status == .serviceUnavailable, "\(call)")
                #expect(answer.flowCode == "1103-503", "\(call)")
                #expect(answer.headers[.retryAfter] == "5", "\(call)")
                #expect(answer.json["errorMessage"]?.stringValue?.contains("database") == true, "\(call)")
            }
            #expect(ContinuousClock.now - started < .seconds(15), "each call gives up within the connect timeout")
            // The probes: alive, not ready — the store is down.
            #expect(try await client.execute(uri: "/health/live", method: .get).status == .ok)
            let ready = try await client.execute(uri: "/health/ready", method: .get)
            #expect(ready.status == .serviceUnavailable)
            #expect(ready.json["checks"]?["store"] == ["status": "down", "reason": "the database is not available"], "\(ready.json)")

            try await postgres.restart()
            // The pool may first hand out a connection the restart closed: that call is a 503 too.
            var answer = try await client.get("/connections/\(id)", tenant)
            for _ in 0..<20 where answer.status != .ok {
                try await Task.sleep(for: .milliseconds(250))
                answer = try await client.get("/connections/\(id)", tenant)
            }
            #expect(answer.status == .ok, "\(service.logs.text.split(separator: "\n").filter { $0.contains("error") }.suffix(3))")
            #expect(answer.json["items"]?[0]?["id"]?.stringValue == id, "what was stored before the outage is there")
            let list = try await client.get("/connections?count=true", tenant)
            #expect(list.json["count"] == 1, "no call made during the outage stored anything")
            #expect(try await client.execute(uri: "/health/ready", method: .get).json["checks"]?["store"] == ["status": "up"])
        }
        #expect(service.logs.text.contains("The database is not available"))
    }
}

@Suite("Instances starting together", .enabled(if: TestDatabase.postgresURL != nil, Comment(rawValue: TestDatabase.skip)))
struct InstancesStartingTogetherTests {
    @Test func anEmptyDatabaseIsBootstrappedOnce() async throws {
        let url = try #require(TestDatabase.isolatedURL())
        let key = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let directories = (0..<3).map { _ in TestDirectories.make() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for directory in directories {
                group.addTask {
                    var configuration = ServerConfiguration()
                    configuration.dataDirectory = directory
                    configuration.databaseURL = url
                    configuration.secretKey = key
                    configuration.logLevel = .warning
                    _ = try await buildApplication(configuration: configuration)
                }
            }
            try await group.waitForAll()
        }
        var configuration = ServerConfiguration()
        configuration.dataDirectory = directories[0]
        configuration.databaseURL = url
        configuration.secretKey = key
        let services = try await FlowServices.open(configuration, logger: LogRecorder().logger(), role: .administration)
        #expect(try await services.storage.organizations().map(\.id) == [Organization.bootstrapId])
        let written = directories.filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent("bootstrap-credentials.json").path) }
        #expect(written.count == 1, "one instance made the organization and wrote its credentials")
    }
}
