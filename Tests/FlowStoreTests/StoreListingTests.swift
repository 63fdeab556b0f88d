// Lists answered by each store (SQLite, PostgreSQL) give exactly what filtering and sorting the shown documents in
// memory gives (the reference semantics of PropertyFilter and ListQuery), page by page through the
// continuation tokens: strings, numbers, booleans, nulls, missing members, arrays and nested objects,
// ties, text beyond ASCII, fields made when a document is shown, and counts.
import Crypto
import FlowModel
import FlowStore
import Foundation
import Testing

@Suite("Lists answered by the store")
struct StoreListingTests {
    let scope = TenantScope(orgId: "AAAAAAAAAAAAAAAAAAAAAAAA@AdobeOrg", sandboxName: "prod", sandboxId: "s-1")
    static let fields = ListedFields.rendered(derived: ["shown"])

    /// A store holding a varied corpus in `scope`, and a few records of another sandbox.
    func corpus(_ kind: StoreKind) async throws -> any FlowStorage {
        let store = try await StoreLocation(kind).open()
        let names: [JSONValue] = ["alpha", "beta", "Beta", "gamma", "", "é", "e\u{301}", "zeta \"quoted\"", "ünïcode", 7, true, nil]
        let numbers: [JSONValue] = [1, 1.0, 2.5, -3, 0, "7", "1", true, false, nil, 1e300, ["x": 1]]
        let tags: [JSONValue] = [["x", "y"], ["z"], [], [1, "x"], "x", ["a", ["x"]], [nil]]
        for index in 0..<72 {
            var body: [String: JSONValue] = [:]
            if index % 11 != 3 { body["name"] = names[index % names.count] }
            if index % 5 != 1 { body["n"] = numbers[(index * 7) % numbers.count] }
            if index % 3 != 0 { body["tags"] = tags[index % tags.count] }
            if index % 4 == 0 { body["auth"] = ["specName": index % 8 == 0 ? "Basic" : "Token", "params": ["k": .integer(Int64(index))]] }
            if index % 6 == 2 { body["nested"] = ["items": [["k": 1], ["k": .integer(Int64(index % 3))]]] }
            if index % 7 == 5 { body["nested"] = ["items": ["k": 2]] }
            if index % 2 == 1 { body["flag"] = .bool(index % 4 == 1) }
            if index % 9 == 4 { body["state"] = "disabled" }
            if index % 10 == 7 { body["we\"ird"] = 1 }
            let caller = Caller(clientId: index % 3 == 0 ? "other-client" : "client", scope: scope)
            // Several records share a creation time: ties are broken by id.
            let metadata = ResourceMetadata(id: String(format: "id-%03d", (index * 37) % 100), caller: caller, now: Int64(1000 + index / 3))
            try await store.insert(FlowResource(kind: .connections, metadata: metadata, body: body))
        }
        let elsewhere = Caller(clientId: "client", scope: TenantScope(orgId: scope.orgId, sandboxName: "dev", sandboxId: "s-2"))
        for index in 0..<5 {
            try await store.insert(
                FlowResource(
                    kind: .connections,
                    metadata: ResourceMetadata(id: "dev-\(index)", caller: elsewhere, now: 1000),
                    body: ["name": "alpha"]
                )
            )
        }
        return store
    }

    /// How the list shows a resource: as rendered, plus a field made when shown.
    static func show(_ resources: [FlowResource]) -> [JSONValue] {
        resources.map { resource in
            var document = FlowPatch.render(.object(resource.body), resource)
            document["shown"] = .string(resource.id.hasSuffix("1") ? "odd" : "even")
            return document
        }
    }

    /// Every page of `parameters`, followed through its tokens: the ids in order, and the pages' sizes.
    func traverse(_ parameters: [(String, String)], _ next: (ListQuery) async throws -> ListQuery.Page) async throws -> [String] {
        var query = try ListQuery(parameters: parameters)
        var ids: [String] = []
        for _ in 0..<200 {
            let page = try await next(query)
            #expect(page.items.count <= query.limit)
            ids += page.items.compactMap { $0["id"]?.stringValue }
            guard let token = page.continuationToken else { return ids }
            query = try ListQuery(parameters: [("continuationToken", token)])
        }
        Issue.record("more than 200 pages")
        return ids
    }

    static let filters = [
        "name==alpha", "name==alpha,Beta", "name!=alpha", "name>b", "name<=m", "name", "!name", "name==é", "name==7", "name==true",
        "name==null", "name>=null", "name.deep==x", "n==1", "n>1", "n<=2.5", "n==true", "n!=null", "n==null", "n", "!n", "n>=7",
        "n<abc", "tags==x", "tags[]==x", "tags!=x", "tags", "!tags", "tags>a", "tags==1", "tags==null", "auth.specName==Basic",
        "auth.specName!=Basic", "auth", "!auth.specName", "auth.params.k>=8", "nested.items.k==1", "nested.items[].k==2",
        "nested.items.k", "!nested.items.k", "flag==true", "flag==false", "flag!=true", "state==enabled", "state==disabled",
        "state!=enabled", "state.x", "id==id-037", "id>id-5", "id!=id-000,id-037", "createdAt>1010", "createdAt<=1003",
        "createdAt==abc", "createdAt!=abc", "version", "version.x", "!version", "imsOrgId==AAAAAAAAAAAAAAAAAAAAAAAA@AdobeOrg",
        "sandboxName==prod", "createdBy==client", "updatedBy!=client", "we\"ird==1", "!we\"ird", "shown==odd", "shown!=odd",
    ]
    static let orders = [
        "-createdAt", "createdAt", "name", "-name", "n", "-n", "tags", "-auth.specName", "state", "id", "-version", "flag",
        "nested", "missing.field", "updatedBy", "shown", "-shown", "auth.params.k",
    ]

    @Test(arguments: StoreKind.available) func everyFilterAndOrderPagesAsInMemory(_ kind: StoreKind) async throws {
        let store = try await corpus(kind)
        let all = Self.show(try await store.resources(.connections, in: scope, matching: ResourceQuery()).map(\.resource))
        #expect(all.count == 72)
        var cases: [[(String, String)]] = []
        for (index, filter) in Self.filters.enumerated() {
            for order in [Self.orders[index % Self.orders.count], Self.orders[(index * 7 + 3) % Self.orders.count]] {
                cases.append([("property", filter), ("orderby", order), ("limit", index % 3 == 0 ? "100" : "7")])
            }
        }
        for (index, order) in Self.orders.enumerated() {
            cases.append([("orderby", order), ("limit", index % 4 == 0 ? "1" : "6")])
        }
        cases.append([("property", "name!=alpha"), ("property", "n>0"), ("property", "shown==even"), ("limit", "2")])
        cases.append([("property", "tags"), ("property", "flag==true"), ("orderby", "-n"), ("limit", "3")])
        for parameters in cases {
            let expected = try await traverse(parameters) { $0.page(of: all) }
            let stored = try await traverse(parameters) { query in
                try await store.page(.connections, in: scope, query, fields: Self.fields) { Self.show($0) }
            }
            #expect(stored == expected, "\(parameters)")
            let counting = parameters.filter { $0.0 == "property" } + [("count", "true")]
            let countQuery = try ListQuery(parameters: counting)
            let storedCount = try await store.page(.connections, in: scope, countQuery, fields: Self.fields) { Self.show($0) }.totalCount
            #expect(storedCount == countQuery.page(of: all).totalCount, "\(counting)")
        }
    }

    @Test(arguments: StoreKind.available) func referencesAndIdsAreFoundWithoutReadingTheScope(_ kind: StoreKind) async throws {
        let store = try await corpus(kind)
        let caller = Caller(clientId: "client", scope: scope)
        for (index, base) in ["b-1", "b-1", "b-2", "b,1"].enumerated() {
            try await store.insert(
                FlowResource(
                    kind: .sourceConnections,
                    metadata: ResourceMetadata(id: "s-\(index)", caller: caller, now: Int64(index)),
                    body: ["baseConnectionId": .string(base)]
                )
            )
        }
        #expect(try await store.ids(.sourceConnections, in: scope, where: "$.baseConnectionId", isOneOf: ["b-1"]) == ["s-0", "s-1"])
        #expect(try await store.ids(.sourceConnections, in: scope, where: "$.baseConnectionId", isOneOf: ["b,1"]) == ["s-3"], "values are not split")
        #expect(try await store.ids(.sourceConnections, in: scope, where: "$.baseConnectionId", isOneOf: []).isEmpty)
        let other = TenantScope(orgId: scope.orgId, sandboxName: "dev", sandboxId: "s-2")
        #expect(try await store.ids(.sourceConnections, in: other, where: "$.baseConnectionId", isOneOf: ["b-1"]).isEmpty)
        let found = try await store.resources(.connections, ids: ["id-037", "id-000", "missing", "dev-1"], in: scope)
        #expect(Set(found.map(\.id)) == ["id-037", "id-000"])
    }
}
