// Dataflows through the real wiring: created and checked against the flow spec, shown with what
// they inherit, patched, disabled and enabled, deleted; connections in use stay.
import FlowModel
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Flows")
struct FlowTests {
    static let mappings = #"[{"sourceAttribute": "id", "destinationXdmPath": "id"}, {"sourceAttribute": "name", "destinationXdmPath": "name"}]"#
    static let schema = #"[{"name": "id", "type": "integer", "meta:xdmType": "long", "nullable": false}, {"name": "name", "type": "string"}]"#

    @Test func flowsAreCheckedShownPatchedSwitchedAndDeleted() async throws {
        let service = try await flowService(live: false)
        try await service.test { client in
            let tenant = try await service.tenant(client)
            // The seed's workspace does not answer: connections are made without checking the table.
            let chain = try await client.flowChain(
                tenant,
                base: seedRequestBody(),
                table: "acme.events",
                datasetSchema: Self.schema,
                mappings: Self.mappings,
                spec: ConnectionSpec.azureDatabricksId
            )
            // Adobe's example sends numbers and booleans as strings; a schedule far in the future makes no run.
            let schedule = #"{"startTime": "4102444800", "frequency": "minute", "interval": "15", "backfill": "true"}"#
            let id = try await client.flowId(
                tenant,
                body: chain.flowBody(schedule: schedule, options: #"{"partialIngestionPercent": "5", "errorDiagnosticsEnabled": "true"}"#)
            )

            let item = try #require(try await client.get("/flows/\(id)", tenant).json["items"]?.arrayValue?.first)
            #expect(item["state"] == "enabled" && item["name"] == "events to the lake")
            #expect(item["scheduleParams"] == ["startTime": 4_102_444_800, "frequency": "minute", "interval": 15, "backfill": true])
            #expect(item["options"] == ["partialIngestionPercent": 5, "errorDiagnosticsEnabled": true])
            #expect(item["transformations"]?[1]?["params"]?["mappingVersion"] == "0")
            #expect(item["runs"] == .string("/runs?property=flowId==\(id)"))
            #expect(item["inheritedAttributes"]?["sourceConnections"]?[0]?["baseConnection"]?["id"] == .string(chain.baseConnection))
            #expect(item["inheritedAttributes"]?["targetConnections"]?[0]?["connectionSpec"]?["id"] == .string(ConnectionSpec.dataLakeId))
            #expect(item["lastOperation"]?["operation"] == "create" && item["lastOperation"]?["status"]?["value"] == "completed")
            #expect(
                try await client.get("/flows?property=sourceConnectionIds[]==\(chain.sourceConnection)", tenant).json["items"]?.arrayValue?.count == 1
            )

            // Refused bodies, each with a reason.
            let refused: [(String, String)] = [
                (chain.flowBody(schedule: schedule, extra: #", "state": "enabled""#), "1410-400"),
                (chain.flowBody(schedule: #"{"startTime": 1612310466, "frequency": "once", "interval": 1}"#), "1100-400"),
                (chain.flowBody(schedule: #"{"startTime": 1612310466, "frequency": "minute", "interval": 5}"#), "1100-400"),
                (chain.flowBody(schedule: #"{"startTime": 1612310466, "frequency": "hour"}"#), "1100-400"),
                (chain.flowBody(schedule: #"{"startTime": "soon", "frequency": "day", "interval": 1}"#), "1100-400"),
                (chain.flowBody(schedule: schedule, options: #"{"partialIngestionPercent": 150}"#), "1100-400"),
                (chain.flowBody(schedule: schedule).replacingOccurrences(of: chain.mappingSet, with: "nope"), "1100-400"),
                (chain.flowBody(schedule: schedule).replacingOccurrences(of: chain.sourceConnection, with: "nope"), "1100-400"),
                (chain.flowBody(schedule: schedule).replacingOccurrences(of: chain.targetConnection, with: chain.sourceConnection), "1100-400"),
                (
                    chain.flowBody(schedule: schedule).replacingOccurrences(
                        of: "14518937-270c-4525-bdec-c2ba7cce3860",
                        with: "9753525b-82c7-4dce-8a9b-5ccfce2b9876"
                    ), "1413-400"
                ),
                (
                    chain.flowBody(schedule: schedule).replacingOccurrences(of: #""timezone": "UTC""#, with: #""timezone": "Mars/Olympus""#),
                    "1100-400"
                ),
                (
                    chain.flowBody(schedule: schedule).replacingOccurrences(
                        of: #"{"name": "Copy", "params": {"deltaColumn": {"name": "updated_at", "dateFormat": "YYYY-MM-DD", "timezone": "UTC"}}},"#,
                        with: ""
                    ), "1100-400"
                ),
            ]
            for (body, code) in refused {
                let response = try await client.post("/flows", tenant, body)
                #expect(response.flowCode == code, "\(body): \(String(buffer: response.body))")
            }
            // A mapping set onto another dataset does not fit the target connection.
            let otherDataset = try await client.createDataset(tenant)
            let otherMapping = try await client.execute(
                uri: "/data/foundation/conversion/mappingSets",
                method: .post,
                headers: tenant.headers(json: true),
                body: ByteBuffer(
                    string: #"{"xdmSchema": "@/dataSets/\#(otherDataset)", "mappings": [{"sourceAttribute": "id", "destinationXdmPath": "id"}]}"#
                )
            )
            let otherId = try #require(otherMapping.json["id"]?.stringValue)
            #expect(
                try await client.post("/flows", tenant, chain.flowBody(schedule: schedule).replacingOccurrences(of: chain.mappingSet, with: otherId))
                    .flowCode == "1425-400"
            )

            // PATCH the schedule with If-Match; the flow spec and state cannot be patched.
            let etag = try #require(item["etag"]?.stringValue)
            let patched = try await client.send(
                .patch,
                "/flows/\(id)",
                tenant,
                body:
                    #"[{"op": "replace", "path": "/scheduleParams/frequency", "value": "day"}, {"op": "replace", "path": "/scheduleParams/interval", "value": "1"}]"#,
                ifMatch: etag
            )
            #expect(patched.status == .ok, "\(String(buffer: patched.body))")
            #expect(
                try await client.send(.patch, "/flows/\(id)", tenant, body: #"[{"op": "replace", "path": "/name", "value": "x"}]"#, ifMatch: etag)
                    .flowCode == "1404-412"
            )
            let newEtag = try #require(patched.json["etag"]?.stringValue)
            #expect(
                try await client.send(
                    .patch,
                    "/flows/\(id)",
                    tenant,
                    body: #"[{"op": "replace", "path": "/state", "value": "disabled"}]"#,
                    ifMatch: newEtag
                ).flowCode == "1455-400"
            )
            #expect(
                try await client.send(
                    .patch,
                    "/flows/\(id)",
                    tenant,
                    body: #"[{"op": "replace", "path": "/scheduleParams/interval", "value": 0}]"#,
                    ifMatch: newEtag
                ).status == .badRequest
            )
            let afterPatch = try #require(try await client.get("/flows/\(id)", tenant).json["items"]?[0])
            #expect(afterPatch["scheduleParams"]?["frequency"] == "day" && afterPatch["scheduleParams"]?["interval"] == 1)
            #expect(
                afterPatch["lastOperation"]?["operation"] == "update"
                    && afterPatch["lastOperation"]?["ops"]?[0]?["path"] == "/scheduleParams/frequency"
            )

            // Disable and enable.
            #expect(try await client.send(.post, "/flows/\(id)/action?op=disable", tenant).status == .ok)
            #expect(try await client.get("/flows/\(id)", tenant).json["items"]?[0]?["state"] == "disabled")
            #expect(try await client.send(.post, "/flows/\(id)/action?op=enable", tenant).status == .ok)
            #expect(try await client.get("/flows/\(id)", tenant).json["items"]?[0]?["state"] == "enabled")
            #expect(try await client.send(.post, "/flows/\(id)/action?op=publish", tenant).status == .badRequest)

            // Connections in use stay; the flow goes, then they can.
            #expect(try await client.send(.delete, "/connections/\(chain.baseConnection)", tenant).flowCode == "1418-400")
            #expect(try await client.send(.delete, "/sourceConnections/\(chain.sourceConnection)", tenant).status == .badRequest)
            #expect(try await client.send(.delete, "/targetConnections/\(chain.targetConnection)", tenant).status == .badRequest)
            // Another sandbox does not see the flow.
            _ = try await service.services.tenancy.createSandbox(orgId: tenant.orgId, name: "dev")
            #expect(try await client.get("/flows/\(id)", tenant, sandbox: "dev").status == .notFound)
            #expect(try await client.send(.delete, "/flows/\(id)", tenant).status == .noContent)
            #expect(try await client.get("/flows/\(id)", tenant).flowCode == "1439-404")
            #expect(try await client.send(.delete, "/sourceConnections/\(chain.sourceConnection)", tenant).status == .noContent)
            #expect(try await client.send(.delete, "/connections/\(chain.baseConnection)", tenant).status == .noContent)
        }
    }

    @Test func adHocRunsAreForEnabledOnceFlowsAndBounded() async throws {
        // No run is started here, so the waiting ones pile up.
        let service = try await flowService(live: false) { $0.runs.maximumConcurrentRuns = 0 }
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let chain = try await client.flowChain(
                tenant,
                base: seedRequestBody(),
                table: "acme.events",
                datasetSchema: Self.schema,
                mappings: Self.mappings,
                spec: ConnectionSpec.azureDatabricksId
            )
            let once = try await client.flowId(tenant, body: chain.flowBody(schedule: #"{"startTime": 4102444800, "frequency": "once"}"#))
            let periodic = try await client.flowId(
                tenant,
                body: chain.flowBody(schedule: #"{"startTime": 4102444800, "frequency": "day", "interval": 1}"#)
            )
            func adHoc(_ flow: String) async throws -> TestResponse {
                try await client.post(
                    "/runs",
                    tenant,
                    #"{"flowId": "\#(flow)", "params": {"windowStartTime": 1700000000, "windowEndTime": 1700003600}}"#
                )
            }
            #expect(try await adHoc(periodic).status == .badRequest)
            for _ in 0..<50 { #expect(try await adHoc(once).status == .created) }
            let refused = try await adHoc(once)
            #expect(refused.status == .badRequest && refused.json["report"]?["detailed-message"]?.stringValue?.contains("50 runs waiting") == true)
            #expect(try await client.get("/runs?property=flowId==\(once)&count=true", tenant).json["count"] == 50)
            #expect(try await client.send(.post, "/flows/\(once)/action?op=disable", tenant).status == .ok)
            #expect(try await adHoc(once).json["report"]?["detailed-message"]?.stringValue?.contains("disabled") == true)
            #expect(
                try await client.post("/runs", tenant, #"{"flowId": "\#(once)", "params": {"windowStartTime": 1700000000}}"#).status == .badRequest
            )
            #expect(try await client.post("/runs", tenant, #"{"flowId": "\#(once)", "extra": 1, "params": {}}"#).status == .badRequest)
        }
    }
}
