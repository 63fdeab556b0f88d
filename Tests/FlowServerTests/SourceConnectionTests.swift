// Flow specs and source connections through the real wiring; the table check against the live
// Spark Thrift Server.
import FlowModel
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

func sourceBody(base: String, table: String, spec: String = ConnectionSpec.sparkThriftServerId, columns: String? = nil, extra: String = "") -> String
{
    let columnsMember = columns.map { #", "columns": \#($0)"# } ?? ""
    return
        #"{"name": "orders source", "baseConnectionId": "\#(base)", "connectionSpec": {"id": "\#(spec)", "version": "1.0"}, "data": {"format": "tabular"}, "params": {"tableName": "\#(table)"\#(columnsMember)}\#(extra)}"#
}

extension TestClientProtocol {
    func post(_ path: String, _ tenant: Tenant, _ body: String) async throws -> TestResponse {
        try await execute(uri: "\(flowBase)\(path)", method: .post, headers: tenant.headers(json: true), body: ByteBuffer(string: body))
    }
}

@Suite("Flow specs")
struct FlowSpecTests {
    @Test func theDatabaseFlowSpecIsListedAndFound() async throws {
        let service = try await TestService.make()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let list = try await client.get("/flowSpecs?property=name==CRMToAEP", tenant)
            let spec = try #require(list.json["items"]?.arrayValue?.first)
            #expect(spec["id"] == "14518937-270c-4525-bdec-c2ba7cce3860")
            #expect(spec["sourceConnectionSpecIds"]?.arrayValue?.contains(.string(ConnectionSpec.azureDatabricksId)) == true)
            #expect(spec["targetConnectionSpecIds"] == [.string(ConnectionSpec.dataLakeId)])
            #expect(spec["transformationSpecs"]?.arrayValue?.map { $0["name"] } == ["Copy", "Mapping"])
            #expect(spec["optionSpec"]?["spec"]?["properties"]?["partialIngestionPercent"] != nil)
            let schedule = JSONSchema(try #require(spec["scheduleSpec"]?["spec"]))
            #expect(schedule.validate(["startTime": 1_612_310_466, "frequency": "minute", "interval": 15, "backfill": true]).isEmpty)
            #expect(!schedule.validate(["startTime": 1_612_310_466, "frequency": "minute", "interval": 5]).isEmpty)
            #expect(!schedule.validate(["startTime": 1_612_310_466, "frequency": "once", "interval": 1]).isEmpty)
            #expect(schedule.validate(["startTime": 1_612_310_466, "frequency": "once"]).isEmpty)
            #expect(!schedule.validate(["startTime": 1_612_310_466, "frequency": "hour"]).isEmpty)
            #expect(try await client.get("/flowSpecs/14518937-270c-4525-bdec-c2ba7cce3860", tenant).json["items"]?.arrayValue?.count == 1)
            #expect(try await client.get("/flowSpecs/00000000-0000-0000-0000-000000000000", tenant).status == .notFound)
            #expect(try await client.get("/flowSpecs?property=name==other", tenant).json["items"] == [])
        }
    }
}

@Suite("Source connections")
struct SourceConnectionTests {
    @Test func sourceConnectionsNeedTheirBaseConnection() async throws {
        let service = try await TestService.make()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            // The seed request's workspace does not answer here: the table cannot be checked, and
            // that does not block creating the source connection.
            let base = try #require(try await client.createConnection(tenant).json["id"]?.stringValue)
            let created = try await client.post(
                "/sourceConnections",
                tenant,
                sourceBody(base: base, table: "acme.orders", spec: ConnectionSpec.azureDatabricksId)
            )
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let id = try #require(created.json["id"]?.stringValue)
            let item = try #require(try await client.get("/sourceConnections/\(id)", tenant).json["items"]?.arrayValue?.first)
            #expect(item["params"]?["tableName"] == "acme.orders" && item["data"] == ["format": "tabular"])
            #expect(item["inheritedAttributes"]?["baseConnection"]?["id"] == .string(base))
            #expect(try await client.get("/sourceConnections?property=baseConnectionId==\(base)", tenant).json["items"]?.arrayValue?.count == 1)

            let refused: [String] = [
                sourceBody(base: "00000000-0000-0000-0000-000000000000", table: "acme.orders", spec: ConnectionSpec.azureDatabricksId),
                sourceBody(base: base, table: "acme.orders"),  // not the base connection's spec
                sourceBody(base: base, table: "acme.orders", spec: ConnectionSpec.dataLakeId),
                sourceBody(base: base, table: "", spec: ConnectionSpec.azureDatabricksId),
                sourceBody(base: base, table: "a.`open", spec: ConnectionSpec.azureDatabricksId),
                sourceBody(base: base, table: "acme.orders", spec: ConnectionSpec.azureDatabricksId, extra: #", "state": "enabled""#),
                #"{"name": "x", "connectionSpec": {"id": "\#(ConnectionSpec.azureDatabricksId)"}, "params": {"tableName": "t"}}"#,
            ]
            for body in refused {
                let response = try await client.post("/sourceConnections", tenant, body)
                #expect(response.status == .badRequest, "\(body): \(String(buffer: response.body))")
            }
            var headers = tenant.headers(json: true)
            headers[.ifMatch] = item["etag"]?.stringValue
            let moved = try await client.execute(
                uri: "\(flowBase)/sourceConnections/\(id)",
                method: .patch,
                headers: headers,
                body: ByteBuffer(string: #"[{"op": "replace", "path": "/baseConnectionId", "value": "other"}]"#)
            )
            #expect(moved.flowCode == "1455-400")
        }
    }

    @Test(.enabled(if: LiveSources.isAvailable, LiveSources.skip), .liveServers)
    func theTableAndColumnsAreCheckedWhenTheSourceAnswers() async throws {
        try await ExploreFixture.ready.value
        let service = try await LiveSources.service()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let base = try await client.connectionId(tenant, body: LiveSources.sparkConnection(database: ExploreFixture.database))
            let table = "\(ExploreFixture.database).people"
            let good = try await client.post(
                "/sourceConnections",
                tenant,
                sourceBody(base: base, table: table, columns: #"[{"name": "id", "type": "bigint"}, {"name": "CITY", "type": "string"}]"#)
            )
            #expect(good.status == .created, "\(String(buffer: good.body))")
            let missingTable = try await client.post("/sourceConnections", tenant, sourceBody(base: base, table: "\(ExploreFixture.database).nope"))
            #expect(
                missingTable.status == .badRequest
                    && missingTable.json["report"]?["detailed-message"]?.stringValue?.contains("params.tableName") == true
            )
            let missingColumn = try await client.post(
                "/sourceConnections",
                tenant,
                sourceBody(base: base, table: table, columns: #"[{"name": "nope", "type": "string"}]"#)
            )
            #expect(missingColumn.status == .badRequest && missingColumn.json["report"]?["detailed-message"]?.stringValue?.contains("'nope'") == true)
        }
    }
}
