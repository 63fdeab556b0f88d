// Three `tributary serve` processes on one PostgreSQL database and one lake, running backfilled
// 15-minute flows over a live Spark table while one instance is killed (SIGKILL) and another
// stopped (SIGTERM) mid-run: every slot runs once, every run ends in success, no batch is left
// loading, and every dataset holds each row of the table exactly once (read back by pyarrow). And a
// hundred PATCHes of one version spread over three instances at once: exactly one is taken.
import DataLake
import FlowModel
import FlowServer
import Foundation
import HummingbirdTesting
import TestSupport
import Testing

@Suite(
    "Several instances on one database",
    .enabled(
        if: LiveSources.canCompareDatasets && tributaryExecutable != nil && TestDatabase.postgresURL != nil && !TestDatabase.servicesUsePostgres,
        "needs the live servers, pyarrow and PostgreSQL: run scripts/test.sh"
    ),
    .liveServers
)
struct ManyInstancesTests {
    /// Flows in the test (TRIBUTARY_MANY_INSTANCES_FLOWS; the issue's scale is 100).
    static let flows = ProcessInfo.processInfo.environment["TRIBUTARY_MANY_INSTANCES_FLOWS"].flatMap(Int.init) ?? 8
    static let rows = 6000
    static let slots = 4

    /// Starts `tributary serve` as instance `name`, sharing the test service's database, lake and key.
    static func serve(_ name: String, _ service: TestService) throws -> Process {
        let directory = service.directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = tributaryExecutable
        process.arguments = ["serve", "--data-dir", directory.path, "--port", "0", "--instance-name", name]
        var environment = ProcessInfo.processInfo.environment
        environment["TRIBUTARY_DATABASE_URL"] = service.services.configuration.databaseURL
        environment["TRIBUTARY_LAKE_DIR"] = service.services.configuration.lakeDirectory.path
        environment["TRIBUTARY_SECRET_KEY"] = try String(contentsOf: service.services.configuration.secretKeyFile, encoding: .utf8)
        environment["TRIBUTARY_ALLOWED_SOURCE_HOSTS"] = "\(LiveSources.sparkHost):\(LiveSources.sparkPort)"
        environment["TRIBUTARY_CHUNK_ROWS"] = "500"
        environment["TRIBUTARY_CHUNK_SECONDS"] = "0"
        environment["TRIBUTARY_SCHEDULER_POLL_MS"] = "200"
        environment["TRIBUTARY_SAFETY_LAG_SECONDS"] = "0"
        // Leases outlast a few progress records (every 2 s) but end soon after a kill.
        environment["TRIBUTARY_RUN_LEASE_SECONDS"] = "6"
        environment["TRIBUTARY_RUN_RETRY_MS"] = "500"
        environment["TRIBUTARY_LOG_LEVEL"] = "info"
        process.environment = environment
        let log = service.directory.appendingPathComponent("\(name).log")
        #expect(FileManager.default.createFile(atPath: log.path, contents: nil))
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    @Test func everySlotRunsOnceThroughAKillAndAStop() async throws {
        try await FlowRunTests.ready.value
        let table = "\(FlowRunTests.database).shared_\(UUID().uuidString.prefix(6).lowercased())"
        let period: Int64 = 900
        let start = Int64(Date().timeIntervalSince1970) - 45 * 60
        // Rows spread over the four windows (the first takes everything up to its slot).
        try await LiveSources.run([
            """
            CREATE TABLE \(table) USING parquet AS SELECT id, concat('row ', id) AS name,
              timestamp_millis(\((start - period) * 1000) + id * 600) AS updated_at FROM range(\(Self.rows))
            """
        ])
        // This process makes the flows through the API; it executes no run (its scheduler only plans).
        let service = try await flowService { configuration in
            configuration.databaseURL = TestDatabase.isolatedURL(poolSize: 8)
            configuration.runs.maximumConcurrentRuns = 0
        }
        let schema =
            #"[{"name": "id", "type": "integer", "meta:xdmType": "long", "nullable": false}, {"name": "name", "type": "string"}, {"name": "updated", "type": "string", "format": "date-time"}]"#
        let (tenant, chains, flowIds) = try await service.test { client in
            let tenant = try await service.tenant(client)
            var chains: [FlowChain] = []
            var flowIds: [String] = []
            for _ in 0..<Self.flows {
                let chain = try await client.flowChain(
                    tenant,
                    base: LiveSources.sparkConnection(database: FlowRunTests.database),
                    table: table,
                    datasetSchema: schema,
                    mappings: FlowRunTests.mappings([("id", "id"), ("name", "name"), ("updated_at", "updated")])
                )
                chains.append(chain)
                flowIds.append(
                    try await client.flowId(
                        tenant,
                        body: chain.flowBody(schedule: #"{"startTime": \#(start), "frequency": "minute", "interval": 15, "backfill": true}"#)
                    )
                )
            }
            return (tenant, chains, flowIds)
        }
        let expectedRuns = Self.flows * Self.slots
        // Runs are read from the database, not through this process's service: serving it would
        // start its scheduler too, a fifth instance.
        let scope = TenantScope(orgId: tenant.orgId, sandboxName: "prod", sandboxId: "")
        let storage = service.services.storage
        func runs() async throws -> [[JSONValue]] {
            var all: [[JSONValue]] = []
            for flow in flowIds {
                let found = try await storage.resources(.runs, in: scope, where: FlowRun.flowReference, isOneOf: [flow]).map(FlowRun.render)
                all.append(
                    found.sorted { ($0["providerParams"]?["scheduledAt"]?.int64Value ?? 0) < ($1["providerParams"]?["scheduledAt"]?.int64Value ?? 0) }
                )
            }
            return all
        }
        func succeeded() async throws -> Int { try await runs().joined().filter { status($0) == "success" }.count }
        func waitFor(_ what: String, seconds: Double, _ done: () async throws -> Bool) async throws {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if try await done() { return }
                try await Task.sleep(for: .milliseconds(250))
            }
            Issue.record("timed out after \(seconds) s waiting for \(what)")
        }

        var instances = try ["instance-a", "instance-b", "instance-c"].map { try Self.serve($0, service) }
        defer {
            for process in instances where process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
        }
        // Killed with runs in progress: its runs are taken over when their leases end, its open batches failed.
        try await waitFor("a quarter of the runs", seconds: 240) { try await succeeded() >= expectedRuns / 4 }
        kill(instances[0].processIdentifier, SIGKILL)
        await instances[0].exited()
        // Stopped gracefully: it hands its runs back at once and exits 0.
        try await waitFor("half of the runs", seconds: 240) { try await succeeded() >= expectedRuns / 2 }
        instances[1].terminate()
        await instances[1].exited()
        #expect(instances[1].terminationStatus == 0)
        let handedBack = try await runs().joined().filter {
            status($0) == "inProgress" && $0["metrics"]?["statusSummary"]?["extensions"]?["instance"]?.stringValue == "instance-b"
        }
        #expect(handedBack.isEmpty, "a stopped instance's runs go back to the queue before it exits")
        // A replacement joins the one left.
        instances.append(try Self.serve("instance-d", service))
        try await waitFor("every run", seconds: 300) { try await succeeded() == expectedRuns }

        let all = try await runs()
        let lake = try DataLake(root: service.services.configuration.lakeDirectory)
        // The batches the killed instance left open are failed once their lease ended.
        try await waitFor("no batch loading", seconds: 30) { try lake.batches(in: scope).allSatisfy { $0.status != .loading } }
        for (index, flow) in flowIds.enumerated() {
            let flowRuns = all[index]
            #expect(flowRuns.count == Self.slots, "flow \(flow): one run per slot")
            #expect(flowRuns.map(status) == Array(repeating: "success", count: Self.slots), "flow \(flow)")
            let scheduled = flowRuns.compactMap { $0["providerParams"]?["scheduledAt"]?.int64Value }
            #expect(scheduled == (0..<Int64(Self.slots)).map { (start + $0 * period) * 1000 }, "flow \(flow): each slot once")
            let ids = try await service.datasetRows(chains[index].dataset, tenant).map { Int($0[0] ?? "") ?? -1 }
            #expect(ids == Array(0..<Self.rows), "flow \(flow): every row of the table once")
        }
        // Each run names the instance that finished it; the killed instance finished none it was running when killed.
        let finishers = Set(all.joined().compactMap { $0["metrics"]?["statusSummary"]?["extensions"]?["instance"]?.stringValue })
        #expect(finishers.isSubset(of: ["instance-a", "instance-b", "instance-c", "instance-d"]), "\(finishers)")
        #expect(finishers.count >= 2, "the work was shared: \(finishers)")
        for process in instances { await process.stopAndWait() }
    }

    /// The port instance `name` of `service` listens on, from its log.
    static func port(of name: String, _ service: TestService) async throws -> Int {
        let log = service.directory.appendingPathComponent("\(name).log")
        for _ in 0..<200 {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"listening on 127\.0\.0\.1:(\d+)"#, options: .regularExpression),
                let port = Int(text[range].split(separator: ":").last ?? "")
            {
                return port
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw FlowTestFailure(message: "\(name) did not start listening")
    }

    @Test func aHundredPatchesOfOneVersionOverThreeInstancesOneIsTaken() async throws {
        let service = try await flowService { configuration in
            configuration.databaseURL = TestDatabase.isolatedURL(poolSize: 8)
            configuration.runs.maximumConcurrentRuns = 0
        }
        let (tenant, id, etag) = try await service.test { client in
            let tenant = try await service.tenant(client)
            let created = try await client.send(.post, "/connections", tenant, body: LiveSources.sparkConnection(database: "patched"))
            #expect(created.status == .created, "\(String(buffer: created.body))")
            return (tenant, try #require(created.json["id"]?.stringValue), try #require(created.json["etag"]?.stringValue))
        }
        let names = ["patch-a", "patch-b", "patch-c"]
        let instances = try names.map { try Self.serve($0, service) }
        defer {
            for process in instances where process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
        }
        var ports: [Int] = []
        for name in names { ports.append(try await Self.port(of: name, service)) }
        let statuses = try await withThrowingTaskGroup(of: (Int, Int?).self) { group in
            for index in 0..<100 {
                let body = #"[{"op": "replace", "path": "/name", "value": "written by \#(index)"}]"#
                let request = [
                    "PATCH /data/foundation/flowservice/connections/\(id) HTTP/1.1", "Host: 127.0.0.1", "Authorization: Bearer \(tenant.token)",
                    "x-api-key: \(tenant.clientId)", "x-gw-ims-org-id: \(tenant.orgId)", "x-sandbox-name: prod", "Content-Type: application/json",
                    "If-Match: \(etag)", "Content-Length: \(body.utf8.count)", "Connection: close", "", body,
                ].joined(separator: "\r\n")
                let port = ports[index % ports.count]
                group.addTask {
                    let connection = try RawConnection(port: port)
                    defer { connection.close() }
                    _ = connection.send(request)
                    return (index, await connection.readResponse(within: .seconds(60)).status)
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        let taken = statuses.filter { $0.value == 200 }.map(\.key)
        #expect(taken.count == 1, "\(statuses)")
        #expect(statuses.values.filter { $0 == 412 }.count == 99, "the others are told the version changed: \(statuses)")
        let stored = try #require(
            try await service.services.storage.resource(
                .connections,
                id: id,
                in: TenantScope(orgId: tenant.orgId, sandboxName: "prod", sandboxId: "")
            )
        )
        #expect(stored.body["name"]?.stringValue == "written by \(taken.first ?? -1)")
        for process in instances { await process.stopAndWait() }
    }
}
