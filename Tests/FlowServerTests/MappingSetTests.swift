// Mapping sets through the real wiring: created against a dataset of the sandbox, refused with the
// field named when they cannot work.
import FlowModel
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Mapping sets")
struct MappingSetTests {
    @Test func aMappingSetIsCheckedAgainstItsDataset() async throws {
        let service = try await TestService.make()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let dataset = try await client.createDataset(tenant)
            func post(_ body: String, sandbox: String = "prod") async throws -> TestResponse {
                try await client.execute(
                    uri: "/data/foundation/conversion/mappingSets",
                    method: .post,
                    headers: tenant.headers(sandbox: sandbox, json: true),
                    body: ByteBuffer(string: body)
                )
            }
            let mappings =
                #"[{"sourceAttribute": "ID", "destinationXdmPath": "id"}, {"sourceAttribute": "CITY", "destinationXdmPath": "city"}, {"sourceAttribute": "AMOUNT", "destinationXdmPath": "total"}]"#
            let columns =
                #"[{"name": "ID", "type": "bigint"}, {"name": "CITY", "type": "string"}, {"name": "AMOUNT", "type": "decimal(12,2)"}, {"name": "PHOTO", "type": "binary"}]"#

            // By dataset reference and by the XDM schema id the dataset references.
            let byReference = try await post(
                #"{"xdmSchema": "@/dataSets/\#(dataset)", "xdmVersion": "1.0", "mappings": \#(mappings), "sourceColumns": \#(columns)}"#
            )
            #expect(byReference.status == .created, "\(String(buffer: byReference.body))")
            let id = try #require(byReference.json["id"]?.stringValue)
            #expect(byReference.json["version"] == 0 && byReference.json["createdDate"]?.int64Value != nil)
            let bySchema = try await post(#"{"xdmSchema": "https://ns.adobe.com/acme/schemas/orders", "mappings": \#(mappings)}"#)
            #expect(bySchema.status == .created)

            let got = try await client.execute(uri: "/data/foundation/conversion/mappingSets/\(id)", method: .get, headers: tenant.headers())
            #expect(got.json["dataSetId"] == .string(dataset) && got.json["mappings"]?.arrayValue?.count == 3)
            #expect(got.json["mappings"]?.arrayValue?.first?["destinationXdmPath"] == "id")
            let list = try await client.execute(uri: "/data/foundation/conversion/mappingSets", method: .get, headers: tenant.headers())
            #expect(list.json["data"]?.arrayValue?.count == 2 && list.json["_page"]?["count"] == 2)

            let refusals: [(String, String)] = [
                (
                    #"[{"sourceAttribute": "ID", "destinationXdmPath": "id"}, {"sourceAttribute": "CITY", "destinationXdmPath": "_acme.nowhere"}]"#,
                    "_acme.nowhere"
                ),
                (#"[{"sourceAttribute": "CITY", "destinationXdmPath": "city"}]"#, "id"),
                (#"[{"sourceAttribute": "PHOTO", "destinationXdmPath": "id"}]"#, "id"),
                (#"[{"sourceAttribute": "ID", "destinationXdmPath": "id"}, {"sourceAttribute": "NOPE", "destinationXdmPath": "city"}]"#, "NOPE"),
            ]
            for (mapping, field) in refusals {
                let response = try await post(#"{"xdmSchema": "@/dataSets/\#(dataset)", "mappings": \#(mapping), "sourceColumns": \#(columns)}"#)
                #expect(
                    response.flowCode == "1419-400" && response.json["report"]?["field"] == .string(field),
                    "\(mapping): \(String(buffer: response.body))"
                )
            }
            #expect(try await post(#"{"xdmSchema": "@/dataSets/000000000000000000000000", "mappings": \#(mappings)}"#).flowCode == "1100-400")
            #expect(try await post(#"{"xdmSchema": "https://ns.adobe.com/acme/schemas/unknown", "mappings": \#(mappings)}"#).flowCode == "1100-400")
            #expect(try await post(#"{"xdmSchema": "@/dataSets/\#(dataset)", "mappings": []}"#).flowCode == "1100-400")
            #expect(try await post(#"{"xdmSchema": "@/dataSets/\#(dataset)", "mappings": \#(mappings), "extra": 1}"#).flowCode == "1100-400")
            _ = try await service.services.tenancy.createSandbox(orgId: tenant.orgId, name: "dev")
            #expect(try await post(#"{"xdmSchema": "@/dataSets/\#(dataset)", "mappings": \#(mappings)}"#, sandbox: "dev").flowCode == "1100-400")
            #expect(
                try await client.execute(uri: "/data/foundation/conversion/mappingSets/\(id)", method: .get, headers: tenant.headers(sandbox: "dev"))
                    .status == .notFound
            )
        }
    }
}
