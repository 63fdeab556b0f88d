// Base connections: validation errors, listing (filters, order, pages, count), PATCH with
// If-Match, DELETE, and the clean 4xx a service owes bad input.
import FlowModel
import FlowServer
import FlowStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Base connections")
struct ConnectionTests {
    static func body(
        name: String = "conn",
        specId: String = ConnectionSpec.azureDatabricksId,
        specName: String = "Access Token Authentication",
        params: String? = nil
    ) -> String {
        let params = params ?? #"{"domain":"https://adb-1.2.azuredatabricks.net","clusterId":"c-1","accessToken":"tok","database":"db"}"#
        return #"{"name":"\#(name)","auth":{"specName":"\#(specName)","params":\#(params)},"connectionSpec":{"id":"\#(specId)","version":"1.0"}}"#
    }

    @Test func createErrorsNameTheProblem() async throws {
        let service = try await TestService.make()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            var response = try await client.createConnection(tenant, body: Self.body(specId: "00000000-0000-0000-0000-000000000000"))
            #expect(response.status == .badRequest && response.flowCode == "1413-400")
            response = try await client.createConnection(tenant, body: Self.body(specName: "Basic Authentication"))
            #expect(response.flowCode == "1415-400")
            response = try await client.createConnection(
                tenant,
                body: Self.body(params: #"{"domain":"http://169.254.169.254","clusterId":"c","accessToken":"tok-secret-value","database":"db"}"#)
            )
            #expect(response.status == .badRequest)
            let message = response.json["report"]?["detailed-message"]?.stringValue ?? ""
            #expect(message.contains("domain") && !message.contains("tok-secret-value") && !message.contains("169.254"))
            response = try await client.createConnection(
                tenant,
                body: Self.body(params: #"{"domain":"https://a.azuredatabricks.net","clusterId":"c","database":"db"}"#)
            )
            #expect(response.status == .badRequest)
            #expect(response.json["errorMessage"]?.stringValue?.contains("'accessToken' is required") == true)
            response = try await client.createConnection(tenant, body: Self.body(name: String(repeating: "n", count: 300)))
            #expect(response.status == .badRequest)
            response = try await client.createConnection(tenant, body: "{\"name\": ")
            #expect(response.status == .badRequest && response.flowCode == "1405-400")
            response = try await client.createConnection(tenant, body: "")
            #expect(response.status == .badRequest && response.flowCode == "1405-400")
            response = try await client.createConnection(tenant, body: "[1,2]")
            #expect(response.status == .badRequest)
            var headers = tenant.headers()
            headers[.contentType] = "text/plain"
            response = try await client.execute(
                uri: "\(flowBase)/connections",
                method: .post,
                headers: headers,
                body: ByteBuffer(string: Self.body())
            )
            #expect(response.status == .badRequest && response.flowCode == "1406-400")
            let huge = Self.body(name: String(repeating: "x", count: 2 << 20))
            response = try await client.createConnection(tenant, body: huge)
            #expect(response.status.code == 413)
            response = try await client.createConnection(tenant, body: #"{"state":"enabled","name":"x"}"#)
            #expect(response.status == .badRequest)
            // U+0000 is refused on every store (PostgreSQL cannot hold it), in a body and in a filter.
            response = try await client.createConnection(tenant, body: Self.body(name: #"a\u0000b"#))
            #expect(response.status == .badRequest && response.json["errorMessage"]?.stringValue?.contains("U+0000") == true)
            response = try await client.get("/connections?property=name%3D%3Da%00b", tenant)
            #expect(response.status == .badRequest && response.json["errorMessage"]?.stringValue?.contains("U+0000") == true)
            let list = try await client.get("/connections?count=true", tenant)
            #expect(list.json["count"] == 0, "no failed create stored anything")
        }
    }

    @Test func listFiltersOrdersPagesAndCounts() async throws {
        let service = try await TestService.make()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            for index in 0..<7 {
                let response = try await client.createConnection(tenant, body: Self.body(name: "conn-\(index)"))
                #expect(response.status == .created)
            }
            _ = try await client.createConnection(
                tenant,
                body:
                    #"{"name":"spark","auth":{"specName":"Basic Authentication","params":{"host":"spark.example.com","port":10001,"database":"default"}},"connectionSpec":{"id":"\#(ConnectionSpec.sparkThriftServerId)"}}"#
            )

            var response = try await client.get("/connections?property=name==conn-3", tenant)
            #expect(response.json["items"]?.arrayValue?.map { $0["name"] } == ["conn-3"])
            response = try await client.get("/connections?property=name==conn-1,conn-2&orderby=name", tenant)
            #expect(response.json["items"]?.arrayValue?.map { $0["name"] } == ["conn-1", "conn-2"])
            response = try await client.get("/connections?property=connectionSpec.id==\(ConnectionSpec.sparkThriftServerId)", tenant)
            #expect(response.json["items"]?.arrayValue?.map { $0["name"] } == ["spark"])
            response = try await client.get("/connections?property=name!=spark&property=auth.params.port", tenant)
            #expect(response.json["items"]?.arrayValue?.isEmpty == true)
            response = try await client.get("/connections?count=true&property=connectionSpec.id==\(ConnectionSpec.azureDatabricksId)", tenant)
            #expect(response.json == ["count": 7])

            var names: [String] = []
            var next: String? = "/connections?limit=3&orderby=-name"
            var pages = 0
            while let path = next {
                response = try await client.get(path, tenant)
                #expect(response.status == .ok)
                names += response.json["items"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
                next = response.json["_links"]?["next"]?["href"]?.stringValue
                pages += 1
            }
            #expect(pages == 3)
            #expect(names == ["spark", "conn-6", "conn-5", "conn-4", "conn-3", "conn-2", "conn-1", "conn-0"])

            response = try await client.get("/connections?limit=2&count=true", tenant)
            #expect(response.flowCode == "1401-400")
            response = try await client.get("/connections?testParam=1", tenant)
            #expect(response.flowCode == "1451-400")
            response = try await client.get("/connections?limit=100000000000", tenant)
            #expect(response.status == .badRequest)
            response = try await client.get("/connections?continuationToken=garbage", tenant)
            #expect(response.status == .badRequest)
            response = try await client.get("/connections?orderby=na;me", tenant)
            #expect(response.flowCode == "1432-400")
            response = try await client.get("/connections?property=name=~x", tenant)
            #expect(response.status == .badRequest)
        }
    }

    @Test func patchNeedsTheCurrentEtagAndRevalidates() async throws {
        let service = try await TestService.make()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let created = try await client.createConnection(tenant, body: seedRequestBody(accessToken: "original-token"))
            let id = try #require(created.json["id"]?.stringValue)
            let etag = try #require(created.json["etag"]?.stringValue)
            func patch(_ body: String, ifMatch: String?) async throws -> TestResponse {
                var headers = tenant.headers(json: true)
                if let ifMatch { headers[.ifMatch] = ifMatch }
                return try await client.execute(
                    uri: "\(flowBase)/connections/\(id)",
                    method: .patch,
                    headers: headers,
                    body: ByteBuffer(string: body)
                )
            }
            let rename = #"[{"op":"replace","path":"/name","value":"Renamed"},{"op":"add","path":"/description","value":"d"}]"#
            var response = try await patch(rename, ifMatch: nil)
            #expect(response.flowCode == "1403-400")
            response = try await patch(rename, ifMatch: "\"stale\"")
            #expect(response.status.code == 412 && response.flowCode == "1404-412")
            response = try await patch(#"[{"op":"replace","path":"/connectionSpec/id","value":"x"}]"#, ifMatch: etag)
            #expect(response.flowCode == "1414-400")
            response = try await patch(#"[{"op":"move","from":"/name","path":"/description"}]"#, ifMatch: etag)
            #expect(response.flowCode == "1434-400")
            response = try await patch(#"[{"op":"remove","path":"/auth/params/database"}]"#, ifMatch: etag)
            #expect(response.status == .badRequest)
            #expect(response.json["errorMessage"]?.stringValue?.contains("database") == true)
            response = try await patch(#"[{"op":"replace","path":"/id","value":"mine"}]"#, ifMatch: etag)
            #expect(response.flowCode == "1455-400")

            // Quotes on If-Match are optional; the mask written back keeps the stored secret.
            let unquoted = String(etag.dropFirst().dropLast())
            let fetched = try await client.get("/connections/\(id)", tenant).json["items"]?[0]
            let paramsWithMask = try #require(fetched?["auth"]?["params"])
            var withName = JSONValue.array([
                ["op": "Replace", "path": "/auth/params", "value": paramsWithMask],
                ["op": "REPLACE", "path": "/name", "value": "Renamed"],
            ]).jsonString()
            response = try await patch(withName, ifMatch: unquoted)
            #expect(response.status == .ok)
            let newEtag = try #require(response.json["etag"]?.stringValue)
            #expect(newEtag != etag)
            let stored = try await service.services.storage.resource(
                .connections,
                id: id,
                in: TenantScope(orgId: tenant.orgId, sandboxName: "prod", sandboxId: "")
            )
            #expect(stored?.secrets["accessToken"] == "original-token")
            #expect(stored?.body["name"] == "Renamed")
            let after = try await client.get("/connections/\(id)", tenant).json["items"]?[0]
            #expect(after?["etag"]?.stringValue == newEtag && after?["version"]?.stringValue == newEtag)
            #expect((after?["updatedAt"]?.int64Value ?? 0) >= (fetched?["updatedAt"]?.int64Value ?? .max))

            // The old etag is now stale; a new secret replaces the old one.
            withName = #"[{"op":"replace","path":"/auth/params/accessToken","value":"rotated-token"}]"#
            response = try await patch(withName, ifMatch: etag)
            #expect(response.status.code == 412)
            response = try await patch(withName, ifMatch: newEtag)
            #expect(response.status == .ok)
            let rotated = try await service.services.storage.resource(
                .connections,
                id: id,
                in: TenantScope(orgId: tenant.orgId, sandboxName: "prod", sandboxId: "")
            )
            #expect(rotated?.secrets["accessToken"] == "rotated-token")
        }
        #expect(!service.logs.text.contains("rotated-token") && !service.logs.text.contains("original-token"))
    }

    @Test func deleteRemovesAndUnknownIdsAre404() async throws {
        let service = try await TestService.make()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let id = try #require(try await client.createConnection(tenant).json["id"]?.stringValue)
            var response = try await client.execute(uri: "\(flowBase)/connections/\(id)", method: .delete, headers: tenant.headers())
            #expect(response.status == .noContent)
            response = try await client.get("/connections/\(id)", tenant)
            #expect(response.status == .notFound && response.flowCode == "1439-404")
            #expect(response.json["report"]?["type"] == "connections" && response.json["report"]?["id"]?.stringValue == id)
            response = try await client.execute(uri: "\(flowBase)/connections/\(id)", method: .delete, headers: tenant.headers())
            #expect(response.status == .notFound)
            response = try await client.get("/connections/" + String(repeating: "a", count: 500), tenant)
            #expect(response.status == .badRequest)
        }
    }
}
