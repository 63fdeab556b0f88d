// The catalog API over the real wiring: datasets per organization and sandbox, schema growth,
// batches with their files and counts, and clear 4xx for bad input.
import DataLake
import FlowModel
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Parquet
import Testing

let catalogBase = "/data/foundation/catalog"

extension TestClientProtocol {
    /// Creates the orders dataset and returns its id.
    func createDataset(_ tenant: Tenant) async throws -> String {
        let created = try await catalog(.post, "/dataSets", tenant, body: ordersDataset)
        return String(try #require(created.json.arrayValue?.first?.stringValue).dropFirst("@/dataSets/".count))
    }

    func catalog(
        _ method: HTTPRequest.Method,
        _ path: String,
        _ tenant: Tenant,
        sandbox: String? = "prod",
        body: String? = nil
    ) async throws -> TestResponse {
        try await execute(
            uri: "\(catalogBase)\(path)",
            method: method,
            headers: tenant.headers(sandbox: sandbox, json: body != nil),
            body: body.map { ByteBuffer(string: $0) }
        )
    }
}

let ordersDataset = """
    {"name": "orders", "description": "from Databricks",
     "schemaRef": {"id": "https://ns.adobe.com/acme/schemas/orders", "contentType": "application/vnd.adobe.xed-full+json;version=1"},
     "schema": {"fields": [{"name": "id", "type": "integer", "meta:xdmType": "long", "nullable": false},
                           {"name": "city", "type": "string"}, {"name": "total", "type": "decimal", "precision": 12, "scale": 2},
                           {"name": "at", "type": "string", "format": "date-time"}]}}
    """

@Suite("Catalog API")
struct CatalogTests {
    @Test func datasetsAreCreatedListedChangedAndDeleted() async throws {
        let service = try await TestService.make()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let created = try await client.catalog(.post, "/dataSets", tenant, body: ordersDataset)
            #expect(created.status == .created)
            let reference = try #require(created.json.arrayValue?.first?.stringValue)
            #expect(reference.hasPrefix("@/dataSets/"))
            let id = String(reference.dropFirst("@/dataSets/".count))

            let got = try await client.catalog(.get, "/dataSets/\(id)", tenant)
            let dataset = try #require(got.json[id])
            #expect(dataset["name"] == "orders" && dataset["schemaVersion"] == 1 && dataset["imsOrg"] == .string(tenant.orgId))
            #expect(dataset["schema"]?["fields"]?.arrayValue?.map { $0["name"]?.stringValue ?? "" } == ["id", "city", "total", "at"])
            #expect(dataset["schemaRef"]?["id"] == "https://ns.adobe.com/acme/schemas/orders")

            // Another sandbox and another organization see nothing.
            _ = try await service.services.tenancy.createSandbox(orgId: tenant.orgId, name: "dev")
            #expect(try await client.catalog(.get, "/dataSets/\(id)", tenant, sandbox: "dev").status == .notFound)
            #expect(try await client.catalog(.get, "/dataSets", tenant, sandbox: "dev").json == [:])
            let other = try await service.tenant(client, name: "Other")
            #expect(try await client.catalog(.get, "/dataSets/\(id)", other).status == .notFound)
            #expect(try await client.catalog(.delete, "/dataSets/\(id)", other).status == .notFound)

            for index in 0..<3 {
                _ = try await client.catalog(
                    .post,
                    "/dataSets",
                    tenant,
                    body: ordersDataset.replacingOccurrences(of: "\"orders\"", with: "\"more \(index)\"")
                )
            }
            #expect(try await client.catalog(.get, "/dataSets", tenant).json.objectValue?.count == 4)
            #expect(try await client.catalog(.get, "/dataSets?limit=2", tenant).json.objectValue?.count == 2)
            #expect(try await client.catalog(.get, "/dataSets?limit=2&start=3", tenant).json.objectValue?.count == 1)
            #expect(try await client.catalog(.get, "/dataSets?name=orders", tenant).json.objectValue?.keys.sorted() == [id])

            // The schema grows by nullable fields only.
            let grown =
                #"{"schema": {"fields": [{"name": "id", "type": "integer", "meta:xdmType": "long", "nullable": false}, {"name": "city", "type": "string"}, {"name": "total", "type": "decimal", "precision": 12, "scale": 2}, {"name": "at", "type": "string", "format": "date-time"}, {"name": "note", "type": "string"}]}, "description": "grown"}"#
            let patched = try await client.catalog(.patch, "/dataSets/\(id)", tenant, body: grown)
            #expect(patched.status == .ok, "\(String(buffer: patched.body))")
            let after = try await client.catalog(.get, "/dataSets/\(id)", tenant).json[id]
            #expect(after?["schemaVersion"] == 2 && after?["description"] == "grown" && after?["schema"]?["fields"]?.arrayValue?.count == 5)
            let shrunk = #"{"schema": {"fields": [{"name": "id", "type": "integer", "nullable": false}]}}"#
            let refused = try await client.catalog(.patch, "/dataSets/\(id)", tenant, body: shrunk)
            #expect(refused.status == .badRequest && refused.flowCode == "1100-400")

            #expect(try await client.catalog(.delete, "/dataSets/\(id)", tenant).json == [.string("@/dataSets/\(id)")])
            #expect(try await client.catalog(.get, "/dataSets/\(id)", tenant).status == .notFound)
        }
    }

    @Test func aDatasetNamesTheCodecOfItsFiles() async throws {
        let service = try await TestService.make()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let body = #"{"name": "events", "compression": "zstd", "schema": {"fields": [{"name": "id", "type": "integer"}]}}"#
            let created = try await client.catalog(.post, "/dataSets", tenant, body: body)
            #expect(created.status == .created)
            let id = String(try #require(created.json.arrayValue?.first?.stringValue).dropFirst("@/dataSets/".count))
            #expect(try await client.catalog(.get, "/dataSets/\(id)", tenant).json[id]?["compression"] == "ZSTD")
            let plain = try await client.catalog(.post, "/dataSets", tenant, body: ordersDataset)
            let plainId = String(try #require(plain.json.arrayValue?.first?.stringValue).dropFirst("@/dataSets/".count))
            #expect(
                try await client.catalog(.get, "/dataSets/\(plainId)", tenant).json[plainId]?["compression"] == nil,
                "no codec named: the lake's default"
            )
        }
    }

    @Test func badDatasetsAreRefusedWithTheReason() async throws {
        let service = try await TestService.make()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let cases: [(String, String)] = [
                (#"{"name": "x"}"#, "schema"),
                (#"{"name": "x", "schemaRef": {"id": "https://ns.adobe.com/acme/schemas/x"}}"#, "schema registry"),
                (#"{"name": "x", "schema": {"fields": [{"name": "a", "type": "object"}]}}"#, "field 'a'"),
                (#"{"name": "x", "schema": {"fields": [{"name": "a", "type": "decimal", "precision": 60}]}}"#, "precision"),
                (#"{"name": "x", "schema": {"fields": [{"name": "a", "type": "string"}, {"name": "a", "type": "string"}]}}"#, "twice"),
                (#"{"schema": {"fields": [{"name": "a", "type": "string"}]}}"#, "name"),
                (#"{"name": "x", "owner": "me", "schema": {"fields": [{"name": "a", "type": "string"}]}}"#, "owner"),
                (#"[1, 2]"#, "object"),
                (
                    #"{"name": "x", "schema": {"fields": [{"name": "b", "type": "binary", "precision": false, "scale": {}}]}}"#,
                    "a binary does not take 'precision'"
                ),
                (#"{"name": "x", "schema": {"fields": [{"name": "i", "type": "integer", "format": "date"}]}}"#, "an integer does not take 'format'"),
                (#"{"name": "x", "schema": {"fields": [{"name": "s", "type": "string", "nullable": "yes"}]}}"#, "nullable is true or false"),
                (
                    #"{"name": "x", "compression": "LZO", "schema": {"fields": [{"name": "s", "type": "string"}]}}"#,
                    "'compression' must be one of UNCOMPRESSED, SNAPPY, GZIP, ZSTD"
                ),
                (#"{"name": "x", "compression": 6, "schema": {"fields": [{"name": "s", "type": "string"}]}}"#, "'compression' must be one of"),
            ]
            for (body, reason) in cases {
                let response = try await client.catalog(.post, "/dataSets", tenant, body: body)
                #expect(response.status == .badRequest, "\(body)")
                #expect(
                    response.json["report"]?["detailed-message"]?.stringValue?.contains(reason) == true,
                    "\(body): \(String(buffer: response.body))"
                )
            }
            #expect(try await client.catalog(.get, "/dataSets?limit=0", tenant).flowCode == "1452-400")
            #expect(try await client.catalog(.get, "/dataSets?bogus=1", tenant).flowCode == "1451-400")
            #expect(try await client.catalog(.get, "/batches?dataSet=000000000000000000000000", tenant).status == .notFound)
            #expect(try await client.catalog(.get, "/batches?status=done", tenant).flowCode == "1452-400")
            #expect(try await client.catalog(.get, "/batches/01ARZ3NDEKTSV4RRFFQ69G5FAV", tenant).status == .notFound)
            // The gateway's identity rules hold here too.
            #expect(try await client.execute(uri: "\(catalogBase)/dataSets", method: .get).status == .forbidden)
        }
    }

    @Test func batchesShowTheirStatusFilesAndCounts() async throws {
        let service = try await TestService.make()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let id = try await client.createDataset(tenant)
            let scope = TenantScope(orgId: tenant.orgId, sandboxName: "prod", sandboxId: "")
            let lake = service.services.lake
            let rows: [ParquetColumn] = [
                ParquetColumn(.int64([1, 2, 3])), ParquetColumn(.string(["DDN", "BLR", ""]), nulls: [false, false, true]),
                ParquetColumn(.int64([1999, 250, 0])), ParquetColumn(.int64([0, 1, 2])),
            ]
            let good = try lake.openBatch(on: id, in: scope, now: 100)
            try good.write(rows)
            let committed = try good.commit(now: 101)
            let failed = try lake.openBatch(on: id, in: scope, now: 200)
            try failed.write(rows)
            failed.abort(reason: "the source went away", now: 201)

            let batch = try await client.catalog(.get, "/batches/\(committed.id)", tenant).json[committed.id]
            #expect(batch?["status"] == "success" && batch?["metrics"]?["recordsWritten"] == 3)
            #expect(batch?["relatedObjects"] == [["type": "dataSet", "id": .string(id)]])
            #expect(batch?["files"]?.arrayValue?.map { $0["name"] } == ["part-00000.parquet"])
            #expect(batch?["files"]?.arrayValue?.first?["records"] == 3)

            let all = try await client.catalog(.get, "/batches?dataSet=\(id)", tenant).json.objectValue ?? [:]
            #expect(all.count == 2 && all[failed.record.id]?["status"] == "failed")
            #expect(all[failed.record.id]?["errors"] == [["description": "the source went away"]])
            #expect(try await client.catalog(.get, "/batches?status=success", tenant).json.objectValue?.keys.sorted() == [committed.id])
            let other = try await service.tenant(client, name: "Other")
            #expect(try await client.catalog(.get, "/batches/\(committed.id)", other).status == .notFound)
            #expect(try await client.catalog(.get, "/batches", other).json == [:])
        }
    }
}
