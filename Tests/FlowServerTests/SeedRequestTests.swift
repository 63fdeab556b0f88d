// The documented `POST /connections` of Adobe's Databricks tutorial works verbatim, and what it
// stores and logs never shows the access token.
import FlowModel
import FlowServer
import FlowStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

@Suite("The seed request")
struct SeedRequestTests {
    @Test func documentedRequestReturns201WithIdAndQuotedEtag() async throws {
        let service = try await TestService.make()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let response = try await client.createConnection(tenant)
            #expect(response.status == .created)
            let id = try #require(response.json["id"]?.stringValue)
            #expect(UUID(uuidString: id) != nil)
            let etag = try #require(response.json["etag"]?.stringValue)
            #expect(etag.hasPrefix("\"") && etag.hasSuffix("\"") && etag.count > 10)
            #expect(response.headers[.location] == "\(flowBase)/connections/\(id)")
            #expect(response.headers[HTTPField.Name("x-request-id")!] != nil)

            let fetched = try await client.get("/connections/\(id)", tenant)
            #expect(fetched.status == .ok)
            let item = try #require(fetched.json["items"]?.arrayValue?.first)
            #expect(fetched.json["items"]?.arrayValue?.count == 1)
            #expect(item["id"]?.stringValue == id)
            #expect(item["name"] == "Databricks connection to Experience Platform")
            #expect(item["auth"]?["specName"] == "Access Token Authentication")
            #expect(item["auth"]?["params"]?["accessToken"] == "********")
            #expect(item["auth"]?["params"]?["domain"] == "https://adb-1234567890123456.7.azuredatabricks.net")
            #expect(item["auth"]?["params"]?["clusterId"] == "xxxx")
            #expect(item["auth"]?["params"]?["database"] == "acme-db")
            #expect(item["connectionSpec"] == ["id": "e9d7ec6b-0873-4e57-ad21-b3a7c65e310b", "version": "1.0"])
            #expect(item["etag"]?.stringValue == etag)
            #expect(item["version"]?.stringValue == etag)
            #expect(item["state"] == "enabled")
            #expect(item["imsOrgId"]?.stringValue == tenant.orgId)
            #expect(item["sandboxName"] == "prod")
            #expect(item["createdBy"]?.stringValue == tenant.clientId)
            #expect(item["createdClient"]?.stringValue == tenant.clientId)
            let createdAt = try #require(item["createdAt"]?.int64Value)
            #expect(abs(createdAt - Int64(Date().timeIntervalSince1970 * 1000)) < 60_000)
            #expect(item["updatedAt"]?.int64Value == createdAt)
        }
    }

    @Test func accessTokenIsInNeitherTheDatabaseNorTheLogs() async throws {
        let secret = "dapi0123456789abcdef0123456789abcdef-SEALED"
        let service = try await TestService.make()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let created = try await client.createConnection(tenant, body: seedRequestBody(accessToken: secret))
            #expect(created.status == .created)
            let id = try #require(created.json["id"]?.stringValue)
            let listed = try await client.get("/connections", tenant)
            #expect(!String(buffer: listed.body).contains(secret))
            // The stored secret is still the real one: the store opens it.
            let stored = try await service.services.storage.resource(
                .connections,
                id: id,
                in: TenantScope(orgId: tenant.orgId, sandboxName: "prod", sandboxId: "")
            )
            #expect(stored?.secrets["accessToken"] == .string(secret))
        }
        // The data directory, and the rows of the database when it is PostgreSQL.
        var onDisk = try StoredBytes.files(under: service.directory)
        if let url = service.services.configuration.databaseURL { onDisk += try await StoredBytes.rows(at: url) }
        #expect(onDisk.range(of: Data(secret.utf8)) == nil)
        #expect(onDisk.range(of: Data("Databricks connection to Experience Platform".utf8)) != nil)
        #expect(!service.logs.text.contains(secret))
        #expect(service.logs.text.contains("Created resource") && service.logs.text.contains("connections"))
    }

    @Test func connectionsSurviveARestart() async throws {
        let first = try await TestService.make()
        let (tenant, id) = try await first.test { client in
            let tenant = try await first.tenant(client)
            let response = try await client.createConnection(tenant)
            return (tenant, try #require(response.json["id"]?.stringValue))
        }
        let second = try await TestService.make(directory: first.directory)
        try await second.test { client in
            let response = try await client.get("/connections/\(id)", tenant)
            #expect(response.status == .ok)
            #expect(response.json["items"]?[0]?["id"]?.stringValue == id)
        }
        let stored = try await second.services.storage.resource(
            .connections,
            id: id,
            in: TenantScope(orgId: tenant.orgId, sandboxName: "prod", sandboxId: "")
        )
        #expect(stored?.secrets["accessToken"] == "xxxx")
    }

    @Test func firstStartBootstrapsAnOrganizationWithPrivateCredentials() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tributary-boot-\(UUID().uuidString)")
        var configuration = ServerConfiguration()
        configuration.dataDirectory = directory
        _ = try await buildApplication(configuration: configuration)
        let file = configuration.bootstrapCredentialsFile
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let keyAttributes = try FileManager.default.attributesOfItem(atPath: configuration.secretKeyFile.path)
        #expect((keyAttributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let credentials = try JSONDecoder().decode(ClientCredentials.self, from: Data(contentsOf: file))
        #expect(credentials.sandboxName == "prod")
        // A second start does not bootstrap again.
        let before = try Data(contentsOf: file)
        _ = try await buildApplication(configuration: configuration)
        #expect(try Data(contentsOf: file) == before)
    }
}
