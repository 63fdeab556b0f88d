// Connection specs as users browse them, and the OpenAPI document that must cover every route.
import FlowModel
import FlowServer
import FlowStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Connection specs and the OpenAPI document")
struct ConnectionSpecAndOpenAPITests {
    @Test func specsListFilterAndFetch() async throws {
        let service = try await TestService.make()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            var response = try await client.get("/connectionSpecs", tenant)
            let ids = Set(response.json["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? [])
            #expect(ids == [ConnectionSpec.azureDatabricksId, ConnectionSpec.sparkThriftServerId, ConnectionSpec.dataLakeId])
            response = try await client.get("/connectionSpecs?property=name==%22databricks%22", tenant)
            #expect(response.json["items"]?.arrayValue?.map { $0["id"] } == [.string(ConnectionSpec.azureDatabricksId)])
            response = try await client.get("/connectionSpecs?property=attributes.isSource==true", tenant)
            #expect(response.json["items"]?.arrayValue?.count == 2)
            response = try await client.get("/connectionSpecs/\(ConnectionSpec.azureDatabricksId)", tenant)
            let spec = try #require(response.json["items"]?[0])
            #expect(spec["version"] == "1.0")
            let auth = try #require(spec["authSpec"]?[0])
            #expect(auth["name"] == "Access Token Authentication")
            #expect(auth["spec"]?["properties"]?["accessToken"]?["format"] == "password")
            #expect(auth["spec"]?["required"] == ["domain", "clusterId", "accessToken", "database"])
            #expect(spec["exploreSpec"]?["type"] == "Tabular")
            response = try await client.get("/connectionSpecs/6f8b2c1e-0000-0000-0000-000000000000", tenant)
            #expect(response.status == .notFound)
            response = try await client.get("/connectionSpecs?limit=1", tenant)
            #expect(response.flowCode == "1451-400")
        }
    }

    @Test func openAPIDocumentIsServedWithoutAuthAndCoversEveryRoute() async throws {
        let service = try await TestService.make()
        let text = try await service.test { client in
            let response = try await client.execute(uri: "/openapi.yaml", method: .get)
            #expect(response.status == .ok)
            return String(buffer: response.body)
        }
        #expect(text.hasPrefix("openapi: 3"))
        let documented = Self.documentedOperations(text)
        let router = buildRouter(services: service.services)
        for route in router.routes {
            let path = route.path.description.hasPrefix("/") ? route.path.description : "/" + route.path.description
            #expect(documented.contains("\(route.method) \(path)"), "\(route.method) \(path) is missing from openapi.yaml")
        }
        #expect(router.routes.count >= 10)
    }

    @Test func everyOperationBehindTheIdentityCheckDeclaresItsFailures() async throws {
        let service = try await TestService.make()
        let text = try await service.test { client in String(buffer: try await client.execute(uri: "/openapi.yaml", method: .get).body) }
        let statuses = Self.documentedStatuses(text)
        let guarded = statuses.filter { $0.key.contains(" /data/foundation/") }
        #expect(guarded.count >= 40)
        for (operation, codes) in guarded {
            // 400003 / 1xxx-400, 401013 / 2000-401, 403000 / 403003 / 403010, 2101-404 (unknown sandbox).
            #expect(codes.isSuperset(of: ["400", "401", "403", "404"]), "\(operation) declares only \(codes.sorted())")
        }
    }

    /// The status codes each `METHOD /path` declares.
    static func documentedStatuses(_ yaml: String) -> [String: Set<String>] {
        var statuses: [String: Set<String>] = [:]
        var currentPath: String?
        var operation: String?
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "components:" { break }
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                currentPath = String(line.dropFirst(2).dropLast())
            } else if let path = currentPath, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                let method = line.trimmingCharacters(in: .whitespaces).dropLast().uppercased()
                operation = ["GET", "POST", "PATCH", "PUT", "DELETE"].contains(method) ? "\(method) \(path)" : nil
                if let operation { statuses[operation] = [] }
            } else if let operation, line.hasPrefix("        \""), line.count > 13, line.dropFirst(12).hasPrefix("\":"),
                line.dropFirst(9).prefix(3).allSatisfy(\.isNumber)
            {
                statuses[operation, default: []].insert(String(line.dropFirst(9).prefix(3)))
            }
        }
        return statuses
    }

    /// `METHOD /path` for every operation under `paths:` (server base path `/data/foundation/flowservice`
    /// is prefixed to paths that are not absolute service paths).
    static func documentedOperations(_ yaml: String) -> Set<String> {
        var operations: Set<String> = []
        var currentPath: String?
        var inPaths = false
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" {
                inPaths = true
                continue
            }
            if inPaths, let first = line.first, first != " ", first != "#" { inPaths = false }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                currentPath = String(line.dropFirst(2).dropLast())
            } else if let path = currentPath, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                let method = line.trimmingCharacters(in: .whitespaces).dropLast().uppercased()
                if ["GET", "POST", "PATCH", "PUT", "DELETE"].contains(method) { operations.insert("\(method) \(path)") }
            }
        }
        return operations
    }
}
