// Test support for dataflows: the chain a flow needs (base, source and target connections, a
// dataset, a mapping set) made through the API, waiting for runs, and the dataset read back by
// pyarrow.
import FlowModel
import FlowServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

/// A flow's connections, dataset and mapping set.
struct FlowChain {
    var baseConnection: String
    var sourceConnection: String
    var targetConnection: String
    var dataset: String
    var mappingSet: String

    /// A create body for a flow over this chain.
    func flowBody(schedule: String, deltaColumn: String = "updated_at", options: String? = nil, extra: String = "") -> String {
        let optionsMember = options.map { #", "options": \#($0)"# } ?? ""
        return #"""
            {"name": "events to the lake", "flowSpec": {"id": "14518937-270c-4525-bdec-c2ba7cce3860", "version": "1.0"},
             "sourceConnectionIds": ["\#(sourceConnection)"], "targetConnectionIds": ["\#(targetConnection)"],
             "transformations": [{"name": "Copy", "params": {"deltaColumn": {"name": "\#(deltaColumn)", "dateFormat": "YYYY-MM-DD", "timezone": "UTC"}}},
                                 {"name": "Mapping", "params": {"mappingId": "\#(mappingSet)", "mappingVersion": 0}}],
             "scheduleParams": \#(schedule)\#(optionsMember)\#(extra)}
            """#
    }
}

/// Services for flow tests: quick polls, no safety lag, quick retries.
func flowService(
    live: Bool = true,
    directory: URL? = nil,
    configure: @escaping (inout ServerConfiguration) -> Void = { _ in }
) async throws -> TestService {
    let adjust: (inout ServerConfiguration) -> Void = { configuration in
        configuration.runs.pollMilliseconds = 200
        configuration.runs.safetyLagMilliseconds = 0
        configuration.runs.retryBackoffMilliseconds = 200
        configuration.runs.progressMilliseconds = 200
        configure(&configuration)
    }
    if live { return try await LiveSources.service(directory: directory, configure: adjust) }
    return try await TestService.make(directory: directory, configure: adjust)
}

extension TestClientProtocol {
    func send(
        _ method: HTTPRequest.Method,
        _ path: String,
        _ tenant: Tenant,
        body: String? = nil,
        ifMatch: String? = nil
    ) async throws -> TestResponse {
        var headers = tenant.headers(json: body != nil)
        if let ifMatch { headers[.ifMatch] = ifMatch }
        return try await execute(uri: "\(flowBase)\(path)", method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    /// Creates a dataset, a mapping set onto it, and the connections of a flow; `base` is the base
    /// connection's create body, `datasetSchema` and `mappings` JSON.
    func flowChain(
        _ tenant: Tenant,
        base: String,
        table: String,
        datasetSchema: String,
        mappings: String,
        spec: String = ConnectionSpec.sparkThriftServerId
    ) async throws -> FlowChain {
        let baseId = try await connectionId(tenant, body: base)
        let source = try await post("/sourceConnections", tenant, sourceBody(base: baseId, table: table, spec: spec))
        #expect(source.status == .created, "\(String(buffer: source.body))")
        let created = try await catalog(.post, "/dataSets", tenant, body: #"{"name": "events", "schema": {"fields": \#(datasetSchema)}}"#)
        let dataset = String(
            try #require(created.json.arrayValue?.first?.stringValue, "\(String(buffer: created.body))").dropFirst("@/dataSets/".count)
        )
        let target = try await post(
            "/targetConnections",
            tenant,
            #"{"name": "events dataset", "connectionSpec": {"id": "\#(ConnectionSpec.dataLakeId)", "version": "1.0"}, "data": {"format": "parquet_xdm"}, "params": {"dataSetId": "\#(dataset)"}}"#
        )
        #expect(target.status == .created, "\(String(buffer: target.body))")
        let mapping = try await execute(
            uri: "/data/foundation/conversion/mappingSets",
            method: .post,
            headers: tenant.headers(json: true),
            body: ByteBuffer(string: #"{"xdmSchema": "@/dataSets/\#(dataset)", "xdmVersion": "1.0", "mappings": \#(mappings)}"#)
        )
        #expect(mapping.status == .created, "\(String(buffer: mapping.body))")
        return FlowChain(
            baseConnection: baseId,
            sourceConnection: try #require(source.json["id"]?.stringValue),
            targetConnection: try #require(target.json["id"]?.stringValue),
            dataset: dataset,
            mappingSet: try #require(mapping.json["id"]?.stringValue)
        )
    }

    /// Creates a flow; its id.
    func flowId(_ tenant: Tenant, body: String) async throws -> String {
        let created = try await post("/flows", tenant, body)
        #expect(created.status == .created, "\(String(buffer: created.body))")
        return try #require(created.json["id"]?.stringValue)
    }

    /// The flow's runs, oldest schedule first.
    func runs(of flow: String, _ tenant: Tenant) async throws -> [JSONValue] {
        let items = try await get("/runs?property=flowId==\(flow)&limit=1000", tenant).json["items"]?.arrayValue ?? []
        return items.sorted { ($0["providerParams"]?["scheduledAt"]?.int64Value ?? 0) < ($1["providerParams"]?["scheduledAt"]?.int64Value ?? 0) }
    }

    /// Waits (at most `seconds`) until the flow's runs satisfy `done`; returns them.
    func waitForRuns(of flow: String, _ tenant: Tenant, seconds: Double = 90, until done: ([JSONValue]) -> Bool) async throws -> [JSONValue] {
        let deadline = Date().addingTimeInterval(seconds)
        var runs: [JSONValue] = []
        while Date() < deadline {
            runs = try await self.runs(of: flow, tenant)
            if done(runs) { return runs }
            try await Task.sleep(for: .milliseconds(250))
        }
        Issue.record("runs did not get there in \(seconds) s: \(runs.map { $0["metrics"]?["statusSummary"] ?? .null })")
        return runs
    }
}

/// A run's status.
func status(_ run: JSONValue) -> String { run["metrics"]?["statusSummary"]?["status"]?.stringValue ?? "" }

/// Whether every run ended.
func allEnded(_ runs: [JSONValue]) -> Bool {
    !runs.isEmpty && runs.allSatisfy { ["success", "partialSuccess", "failed"].contains(status($0)) }
}

extension TestService {
    /// Every row of a dataset's committed batches as pyarrow reads them, cells as text, sorted by
    /// the first column.
    func datasetRows(_ dataset: String, _ tenant: Tenant) async throws -> [[String?]] {
        let scopeFolder = directory.appendingPathComponent("lake/\(tenant.orgId)/prod/\(dataset)/batches")
        guard FileManager.default.fileExists(atPath: scopeFolder.path) else { return [] }
        let read = try await runToEnd(LiveSources.pyarrowPython!, [LiveSources.parquetCheckScript, "dataset", scopeFolder.path])
        guard read.status == 0, let document = try JSONSerialization.jsonObject(with: read.output) as? [String: Any],
            let rows = document["rows"] as? [[Any]]
        else {
            throw FlowTestFailure(message: "pyarrow could not read the dataset \(dataset): \(read.errors.suffix(500))")
        }
        return rows.map { row in row.map { $0 as? String } }
    }
}

struct FlowTestFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
