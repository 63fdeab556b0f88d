// Identity and tenancy: every header check answers like Adobe's gateway, and no tenant sees
// another's connections.
import Crypto
import FlowModel
import FlowServer
import FlowStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Identity and tenancy")
struct IdentityTests {
    @Test func gatewayErrorsForEachMissingOrWrongHeader() async throws {
        let service = try await TestService.make()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let other = try await service.tenant(client, name: "Other")
            func status(_ mutate: (inout HTTPFields) -> Void) async throws -> TestResponse {
                var headers = tenant.headers()
                mutate(&headers)
                return try await client.execute(uri: "\(flowBase)/connections", method: .get, headers: headers)
            }
            var response = try await status { $0[.authorization] = nil }
            #expect(response.status.code == 403 && response.gatewayCode == "403010")
            response = try await status { $0[.authorization] = "Basic abc" }
            #expect(response.gatewayCode == "403010")
            response = try await status { $0[.authorization] = "Bearer not.a.jwt" }
            #expect(response.status.code == 401 && response.gatewayCode == "401013")
            response = try await status { $0[HTTPField.Name("x-api-key")!] = nil }
            #expect(response.status.code == 403 && response.gatewayCode == "403000")
            response = try await status { $0[HTTPField.Name("x-api-key")!] = other.clientId }
            #expect(response.status.code == 403 && response.gatewayCode == "403003")
            response = try await status { $0[HTTPField.Name("x-gw-ims-org-id")!] = nil }
            #expect(response.status.code == 400 && response.gatewayCode == "400003")
            response = try await status { $0[HTTPField.Name("x-gw-ims-org-id")!] = other.orgId }
            #expect(response.status.code == 401 && response.flowCode == "2000-401")
            response = try await status { $0[HTTPField.Name("x-sandbox-name")!] = "dev" }
            #expect(response.status.code == 404 && response.flowCode == "2101-404")
            #expect(response.json["report"]?["request-id"]?.stringValue == response.headers[HTTPField.Name("x-request-id")!])
            response = try await status { $0[HTTPField.Name("x-sandbox-name")!] = nil }
            #expect(response.status == .ok, "no x-sandbox-name uses the default sandbox")
        }
    }

    @Test func whatTheCLICreatesIsSeenByTheNextCallAndExpiredTokensStayRefused() async throws {
        let service = try await TestService.make()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            #expect(try await client.get("/connections", tenant).status == .ok, "the token, client and sandboxes are now in memory")
            #expect(try await client.get("/connections", tenant, sandbox: "dev").flowCode == "2101-404")
            // The CLI is another process on the same data directory: it writes the database directly.
            let cli = try await FlowServices.open(service.services.configuration, logger: service.logs.logger(), role: .administration)
            _ = try await cli.tenancy.createSandbox(orgId: tenant.orgId, name: "dev")
            #expect(try await client.get("/connections", tenant, sandbox: "dev").status == .ok, "a sandbox not in memory is looked up")

            // A token in its last seconds, issued as the token endpoint would have issued it a day
            // ago: used while valid (and so remembered), then refused once it expired. (The seconds
            // it has are many more than one call takes on a loaded machine: the test must not race them.)
            let lifetime = TimeInterval(service.services.tokens.lifetimeSeconds)
            let expiry = Date().addingTimeInterval(10)
            let ending = Tenant(
                orgId: tenant.orgId,
                clientId: tenant.clientId,
                clientSecret: tenant.clientSecret,
                token: try await service.services.tokens.issue(
                    clientId: tenant.clientId,
                    orgId: tenant.orgId,
                    now: expiry.addingTimeInterval(-lifetime)
                )
            )
            let valid = try await client.get("/connections", ending)
            try #require(Date() < expiry, "the call took longer than the token's ten seconds: nothing to learn")
            #expect(valid.status == .ok)
            try await Task.sleep(for: .seconds(max(0, expiry.timeIntervalSinceNow) + 1.1))
            let expired = try await client.get("/connections", ending)
            #expect(expired.status.code == 401 && expired.gatewayCode == "401013", "a remembered token still expires")
        }
    }

    @Test func forgedTokensAreRejected() async throws {
        let service = try await TestService.make()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let parts = tenant.token.split(separator: ".").map(String.init)
            #expect(parts.count == 3)
            func attempt(_ token: String) async throws -> String? {
                var headers = tenant.headers()
                headers[.authorization] = "Bearer \(token)"
                return try await client.execute(uri: "\(flowBase)/connections", method: .get, headers: headers).gatewayCode
            }
            // alg: none with the same claims and no signature.
            let noneHeader = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64URL
            #expect(try await attempt("\(noneHeader).\(parts[1]).") == "401013")
            // Claims changed (another org), signature kept.
            var claims = try JSONValue(parsing: Array(Data(base64URL: parts[1])!))
            claims["org"] = "AAAAAAAAAAAAAAAAAAAAAAAA@AdobeOrg"
            #expect(try await attempt("\(parts[0]).\(claims.jsonData().base64URL).\(parts[2])") == "401013")
            // Signed with another key.
            let stranger = await AccessTokenAuthority(signingKey: SymmetricKey(size: .bits256), lifetimeSeconds: 60)
            #expect(try await attempt(try await stranger.issue(clientId: tenant.clientId, orgId: tenant.orgId)) == "401013")
            // Expired.
            let expired = try await service.services.tokens.issue(
                clientId: tenant.clientId,
                orgId: tenant.orgId,
                now: Date().addingTimeInterval(-2 * 86_400)
            )
            #expect(try await attempt(expired) == "401013")
            // The genuine token works.
            #expect(try await attempt(tenant.token) == nil)
        }
    }

    @Test func tokenEndpointRefusesWrongSecretsAndGrants() async throws {
        let service = try await TestService.make()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            func post(_ form: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/ims/token/v3",
                    method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: form)
                )
            }
            var response = try await post("grant_type=client_credentials&client_id=\(tenant.clientId)&client_secret=wrong")
            #expect(response.status == .unauthorized && response.json["error"] == "invalid_client")
            response = try await post("grant_type=password&client_id=\(tenant.clientId)&client_secret=\(tenant.clientSecret)")
            #expect(response.status == .badRequest && response.json["error"] == "unsupported_grant_type")
            response = try await post("grant_type=client_credentials&client_id=\(tenant.clientId)&client_secret=\(tenant.clientSecret)")
            #expect(response.status == .ok)
            #expect(response.json["token_type"] == "bearer")
            #expect(response.json["expires_in"] == 86_400)
        }
        #expect(!service.logs.text.contains("client_secret"))
    }

    @Test func anotherOrganizationOrSandboxCannotSeeOrTouchAConnection() async throws {
        let service = try await TestService.make()
        try await service.test { client in
            let owner = try await service.tenant(client, name: "Owner")
            let stranger = try await service.tenant(client, name: "Stranger")
            _ = try await service.services.tenancy.createSandbox(orgId: owner.orgId, name: "dev")
            let created = try await client.createConnection(owner)
            let id = try #require(created.json["id"]?.stringValue)
            let etag = try #require(created.json["etag"]?.stringValue)

            for (tenant, sandbox) in [(stranger, "prod"), (owner, "dev")] {
                let read = try await client.get("/connections/\(id)", tenant, sandbox: sandbox)
                #expect(read.status == .notFound && read.flowCode == "1439-404")
                let list = try await client.get("/connections", tenant, sandbox: sandbox)
                #expect(list.json["items"]?.arrayValue?.isEmpty == true)
                var headers = tenant.headers(sandbox: sandbox, json: true)
                headers[.ifMatch] = etag
                let patch = try await client.execute(
                    uri: "\(flowBase)/connections/\(id)",
                    method: .patch,
                    headers: headers,
                    body: ByteBuffer(string: #"[{"op":"replace","path":"/name","value":"stolen"}]"#)
                )
                #expect(patch.status == .notFound)
                let delete = try await client.execute(
                    uri: "\(flowBase)/connections/\(id)",
                    method: .delete,
                    headers: tenant.headers(sandbox: sandbox)
                )
                #expect(delete.status == .notFound)
            }
            let still = try await client.get("/connections/\(id)", owner)
            #expect(still.json["items"]?[0]?["name"] == "Databricks connection to Experience Platform")
        }
    }
}

extension Data {
    var base64URL: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    init?(base64URL: String) {
        var text = base64URL.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        text += String(repeating: "=", count: (4 - text.count % 4) % 4)
        self.init(base64Encoded: text)
    }
}

extension JSONValue {
    subscript(index: Int) -> JSONValue? {
        guard let array = arrayValue, array.indices.contains(index) else { return nil }
        return array[index]
    }
}
