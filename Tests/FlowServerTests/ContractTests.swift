// The contract, exact: a known path asked with a method it does not take is a 405 naming the
// methods it takes; a JSON body naming a member twice is refused; lists page through the store
// with the documented semantics whatever the kind.
import FlowModel
import FlowServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite("The contract, exact")
struct ContractTests {
    @Test func aKnownPathWithAnotherMethodIs405NamingTheMethodsItTakes() async throws {
        let service = try await TestService.make()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let id = try #require(try await client.createConnection(tenant).json["id"]?.stringValue)
            for (method, path, allowed) in [
                (HTTPRequest.Method.put, "/connections", "GET, POST"), (.delete, "/connections", "GET, POST"),
                (.post, "/connections/\(id)", "DELETE, GET, PATCH"), (.put, "/flows/\(id)", "DELETE, GET, PATCH"),
                (.get, "/flows/\(id)/action", "POST"), (.patch, "/runs", "GET, POST"), (.delete, "/connectionSpecs", "GET"),
            ] {
                let response = try await client.execute(uri: "\(flowBase)\(path)", method: method, headers: tenant.headers())
                #expect(response.status.code == 405 && response.flowCode == "1102-405", "\(method) \(path)")
                #expect(response.headers[.allow] == allowed, "\(method) \(path)")
                #expect(response.json["report"]?["request-id"]?.stringValue == response.headers[HTTPField.Name("x-request-id")!])
            }
            let unknown = try await client.execute(uri: "\(flowBase)/nothing/here", method: .get, headers: tenant.headers())
            #expect(unknown.status == .notFound && unknown.flowCode == "1101-404" && unknown.headers[.allow] == nil)
        }
    }

    @Test func everyResponseCarriesARequestIdTheCallersWhenPlain() async throws {
        let service = try await TestService.make()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let requestId = HTTPField.Name("x-request-id")!
            var made: Set<String> = []
            for _ in 0..<3 {
                let id = try #require(try await client.get("/connections", tenant).headers[requestId])
                #expect(id.wholeMatch(of: /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/) != nil, "\(id)")
                made.insert(id)
            }
            #expect(made.count == 3)
            for (supplied, kept) in [("trace-1:a.b_c", true), ("has space", false), (String(repeating: "x", count: 129), false), ("é", false)] {
                var headers = tenant.headers()
                headers[requestId] = supplied
                let response = try await client.execute(uri: "\(flowBase)/connections/nope", method: .get, headers: headers)
                #expect((response.headers[requestId] == supplied) == kept, "\(supplied)")
                #expect(response.json["report"]?["request-id"]?.stringValue == response.headers[requestId])
            }
        }
    }

    @Test func aBodyNamingAMemberTwiceIsRefusedAndNothingIsCreated() async throws {
        let service = try await TestService.make()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let body = seedRequestBody().replacingOccurrences(
                of: #"{"name": "Databricks connection to Experience Platform","#,
                with: #"{"name": "first", "name": "second","#
            )
            let response = try await client.createConnection(tenant, body: body)
            #expect(response.status == .badRequest && response.flowCode == "1405-400")
            #expect(response.json["report"]?["detailed-message"]?.stringValue?.contains("the member 'name' appears twice") == true)
            #expect(try await client.get("/connections?count=true", tenant).json["count"] == 0)
        }
    }

    @Test func listsPageThroughTheStoreWithTheirFiltersAndCounts() async throws {
        let service = try await TestService.make()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            var ids: [String] = []
            for index in 0..<7 {
                let body = seedRequestBody().replacingOccurrences(of: "Databricks connection to Experience Platform", with: "connection \(index % 3)")
                ids.append(try #require(try await client.createConnection(tenant, body: body).json["id"]?.stringValue))
            }
            // Newest first (ties by id), three a page, each page's token carrying the query.
            var seen: [JSONValue] = []
            var path = "/connections?limit=3&property=name!=connection%201"
            while true {
                let page = try await client.get(path, tenant)
                #expect(page.status == .ok)
                let items = page.json["items"]?.arrayValue ?? []
                #expect(items.count <= 3)
                seen += items
                guard let next = page.json["_links"]?["next"]?["href"]?.stringValue else { break }
                path = next
            }
            let expected = ids.enumerated().filter { $0.offset % 3 != 1 }.map(\.element)
            #expect(seen.count == expected.count && Set(seen.compactMap { $0["id"]?.stringValue }) == Set(expected))
            let order = seen.map { ($0["createdAt"]?.int64Value ?? 0, $0["id"]?.stringValue ?? "") }
            #expect(zip(order, order.dropFirst()).allSatisfy { $0.0 > $1.0 || ($0.0 == $1.0 && $0.1 > $1.1) }, "\(order)")
            #expect(try await client.get("/connections?count=true&property=name==connection%200,connection%202", tenant).json["count"] == 5)
            #expect(
                try await client.get("/connections?count=true&property=auth.params.database==acme-db&property=state==enabled", tenant).json["count"]
                    == 7
            )
            let byName = try await client.get("/connections?orderby=name&limit=1", tenant)
            #expect(byName.json["items"]?.arrayValue?.first?["name"] == "connection 0")
        }
    }
}
