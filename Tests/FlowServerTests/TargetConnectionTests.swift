// Target connections through the real wiring: a Data Lake target pointing at a dataset of the same
// sandbox, with the base connections' etag, patch and list rules.
import FlowModel
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

func targetBody(dataset: String, format: String? = nil, extra: String = "") -> String {
    let data =
        format.map {
            #", "data": {"format": "\#($0)", "schema": {"id": "https://ns.adobe.com/acme/schemas/orders", "version": "application/vnd.adobe.xed-full+json;version=1"}}"#
        } ?? ""
    return
        #"{"name": "orders target", "connectionSpec": {"id": "c604ff05-7f1a-43c0-8e18-33bf874cb11c", "version": "1.0"}, "params": {"dataSetId": "\#(dataset)"}\#(data)\#(extra)}"#
}

@Suite("Target connections")
struct TargetConnectionTests {
    @Test func aTargetConnectionPointsAtADatasetOfItsSandbox() async throws {
        let service = try await TestService.make()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let dataset = try await client.createDataset(tenant)

            let response = try await client.execute(
                uri: "\(flowBase)/targetConnections",
                method: .post,
                headers: tenant.headers(json: true),
                body: ByteBuffer(string: targetBody(dataset: dataset, format: "parquet_xdm"))
            )
            #expect(response.status == .created, "\(String(buffer: response.body))")
            let id = try #require(response.json["id"]?.stringValue)
            let etag = try #require(response.json["etag"]?.stringValue)

            let item = try #require(try await client.get("/targetConnections/\(id)", tenant).json["items"]?.arrayValue?.first)
            #expect(item["params"] == ["dataSetId": .string(dataset)] && item["data"]?["format"] == "parquet_xdm")
            #expect(item["connectionSpec"] == ["id": "c604ff05-7f1a-43c0-8e18-33bf874cb11c", "version": "1.0"])
            #expect(item["etag"] == .string(etag) && item["state"] == "enabled")
            #expect(try await client.get("/targetConnections", tenant).json["items"]?.arrayValue?.count == 1)
            #expect(try await client.get("/targetConnections?property=params.dataSetId==\(dataset)", tenant).json["items"]?.arrayValue?.count == 1)
            #expect(try await client.get("/connections", tenant).json["items"] == [], "target connections are not base connections")

            // PATCH with If-Match; the dataset must still exist after the patch.
            var headers = tenant.headers(json: true)
            headers[.ifMatch] = etag
            let renamed = try await client.execute(
                uri: "\(flowBase)/targetConnections/\(id)",
                method: .patch,
                headers: headers,
                body: ByteBuffer(
                    string:
                        #"[{"op": "replace", "path": "/name", "value": "renamed"}, {"op": "replace", "path": "/data/format", "value": "tabular"}]"#
                )
            )
            #expect(renamed.status == .ok)
            headers[.ifMatch] = try #require(renamed.json["etag"]?.stringValue)
            let elsewhere = try await client.execute(
                uri: "\(flowBase)/targetConnections/\(id)",
                method: .patch,
                headers: headers,
                body: ByteBuffer(string: #"[{"op": "replace", "path": "/params/dataSetId", "value": "000000000000000000000000"}]"#)
            )
            #expect(elsewhere.status == .badRequest && elsewhere.flowCode == "1100-400")
            let stale = try await client.execute(
                uri: "\(flowBase)/targetConnections/\(id)",
                method: .patch,
                headers: tenant.headers(json: true).merging([.ifMatch: etag]),
                body: ByteBuffer(string: #"[{"op": "replace", "path": "/name", "value": "x"}]"#)
            )
            #expect(stale.status == .preconditionFailed)
            let spec = try await client.execute(
                uri: "\(flowBase)/targetConnections/\(id)",
                method: .patch,
                headers: headers,
                body: ByteBuffer(string: #"[{"op": "replace", "path": "/connectionSpec/id", "value": "e9d7ec6b-0873-4e57-ad21-b3a7c65e310b"}]"#)
            )
            #expect(spec.flowCode == "1414-400")

            // Other sandboxes and organizations neither see it nor can point at the dataset.
            _ = try await service.services.tenancy.createSandbox(orgId: tenant.orgId, name: "dev")
            #expect(try await client.get("/targetConnections/\(id)", tenant, sandbox: "dev").status == .notFound)
            let devTarget = try await client.execute(
                uri: "\(flowBase)/targetConnections",
                method: .post,
                headers: tenant.headers(sandbox: "dev", json: true),
                body: ByteBuffer(string: targetBody(dataset: dataset))
            )
            #expect(
                devTarget.status == .badRequest
                    && devTarget.json["report"]?["detailed-message"]?.stringValue?.contains("does not exist in this sandbox") == true
            )

            #expect(
                try await client.execute(uri: "\(flowBase)/targetConnections/\(id)", method: .delete, headers: tenant.headers()).status == .noContent
            )
            #expect(try await client.get("/targetConnections/\(id)", tenant).status == .notFound)
        }
    }

    @Test func badTargetConnectionsAreRefused() async throws {
        let service = try await TestService.make()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let dataset = try await client.createDataset(tenant)
            let cases: [(String, String)] = [
                (targetBody(dataset: "000000000000000000000000"), "1100-400"),
                (targetBody(dataset: dataset, format: "csv"), "1100-400"),
                (targetBody(dataset: dataset, extra: #", "owner": "me""#), "1100-400"),
                (#"{"name": "t", "connectionSpec": {"id": "c604ff05-7f1a-43c0-8e18-33bf874cb11c"}}"#, "1100-400"),
                (
                    #"{"name": "t", "connectionSpec": {"id": "c604ff05-7f1a-43c0-8e18-33bf874cb11c"}, "params": {"dataSetId": "\#(dataset)", "extra": 1}}"#,
                    "1100-400"
                ),
                (
                    #"{"name": "t", "connectionSpec": {"id": "e9d7ec6b-0873-4e57-ad21-b3a7c65e310b"}, "params": {"dataSetId": "\#(dataset)"}}"#,
                    "1413-400"
                ),
                (#"{"connectionSpec": {"id": "c604ff05-7f1a-43c0-8e18-33bf874cb11c"}, "params": {"dataSetId": "\#(dataset)"}}"#, "1100-400"),
            ]
            for (body, code) in cases {
                let response = try await client.execute(
                    uri: "\(flowBase)/targetConnections",
                    method: .post,
                    headers: tenant.headers(json: true),
                    body: ByteBuffer(string: body)
                )
                #expect(response.flowCode == code, "\(body): \(String(buffer: response.body))")
            }
        }
    }
}

extension HTTPFields {
    func merging(_ other: HTTPFields) -> HTTPFields {
        var result = self
        for field in other { result[field.name] = field.value }
        return result
    }
}
