// Property filters and list paging as users write them in Adobe's docs.
import FlowModel
import Testing

@Suite("Property filters and list queries")
struct ListQueryTests {
    let documents: [JSONValue] = [
        ["id": "a", "name": "alpha", "createdAt": 3, "auth": ["specName": "Basic"], "ids": ["x", "y"]],
        ["id": "b", "name": "beta", "createdAt": 1, "auth": ["specName": "Token"], "ids": ["z"]],
        ["id": "c", "name": "gamma", "createdAt": 2, "enabled": true],
    ]

    func matching(_ expression: String) throws -> [String] {
        let filter = try PropertyFilter(parsing: expression)
        return documents.filter { filter.matches($0) }.compactMap { $0["id"]?.stringValue }
    }

    @Test func operatorsPathsAndAlternatives() throws {
        #expect(try matching("name==beta") == ["b"])
        #expect(try matching(#"name=="beta""#) == ["b"])
        #expect(try matching("name==alpha,gamma") == ["a", "c"])
        #expect(try matching("name!=alpha,gamma") == ["b"])
        #expect(try matching("createdAt>1") == ["a", "c"])
        #expect(try matching("createdAt<=2") == ["b", "c"])
        #expect(try matching("auth.specName==Token") == ["b"])
        #expect(try matching("ids[]==y") == ["a"])
        #expect(try matching("enabled==true") == ["c"])
        #expect(try matching("auth") == ["a", "b"])
        #expect(try matching("!auth") == ["c"])
        #expect(throws: FlowError.self) { try PropertyFilter(parsing: "name=~x") }
        #expect(throws: FlowError.self) { try PropertyFilter(parsing: "==x") }
        #expect(throws: FlowError.self) { try PropertyFilter(parsing: String(repeating: "a", count: 5000)) }
    }

    @Test func pagesFollowTheOrderAndTokensCarryTheQuery() throws {
        var query = try ListQuery(parameters: [("orderby", "createdAt"), ("limit", "2")])
        var page = query.page(of: documents)
        #expect(page.items.compactMap { $0["id"]?.stringValue } == ["b", "c"])
        let token = try #require(page.continuationToken)
        query = try ListQuery(parameters: [("continuationToken", token)])
        page = query.page(of: documents)
        #expect(page.items.compactMap { $0["id"]?.stringValue } == ["a"])
        #expect(page.continuationToken == nil)

        let defaultOrder = try ListQuery(parameters: []).page(of: documents)
        #expect(defaultOrder.items.compactMap { $0["id"]?.stringValue } == ["a", "c", "b"], "newest first by default")
    }

    @Test func badParametersAreNamed() {
        #expect(throws: FlowError.limitWithCount) { try ListQuery(parameters: [("limit", "1"), ("count", "true")]) }
        #expect(throws: FlowError.unknownQueryParameter("start")) { try ListQuery(parameters: [("start", "1")]) }
        #expect(throws: FlowError.self) { try ListQuery(parameters: [("limit", "0")]) }
        #expect(throws: FlowError.self) { try ListQuery(parameters: [("limit", "1001")]) }
        #expect(throws: FlowError.self) { try ListQuery(parameters: [("continuationToken", "e30")]) }
        #expect(throws: FlowError.self) { try ListQuery(parameters: [("orderby", "-")]) }
    }
}
