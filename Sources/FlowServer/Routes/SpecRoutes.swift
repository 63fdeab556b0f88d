// Read-only spec catalogs: `GET /connectionSpecs` and `GET /flowSpecs` (with `property=` filters)
// and `GET /<kind>/{id}`, wrapped in `items` as Adobe answers them.
import FlowModel
import Hummingbird

/// The routes of one spec catalog.
struct SpecRoutes {
    /// The URL segment, e.g. `connectionSpecs`.
    let kind: String
    /// The specs: id and document.
    let specs: [(id: String, document: JSONValue)]

    func register(on group: RouterGroup<FlowRequestContext>) {
        group.get(RouterPath("/\(kind)")) { request, _ in try list(request) }
        group.get(RouterPath("/\(kind)/{id}")) { _, context in try get(context) }
    }

    func list(_ request: Request) throws -> Response {
        var filters: [PropertyFilter] = []
        for (name, value) in try request.queryPairs() {
            guard name == "property" else { throw FlowError.unknownQueryParameter(String(name.prefix(100))) }
            filters.append(try PropertyFilter(parsing: value))
        }
        let items = specs.map(\.document).filter { spec in filters.allSatisfy { $0.matches(spec) } }
        return JSONResponse.ok(["items": .array(items)])
    }

    func get(_ context: FlowRequestContext) throws -> Response {
        let id = try context.resourceId()
        guard let spec = specs.first(where: { $0.id.lowercased() == id.lowercased() }) else { throw FlowError.notFound(kind, id: id) }
        return JSONResponse.ok(["items": [spec.document]])
    }
}
