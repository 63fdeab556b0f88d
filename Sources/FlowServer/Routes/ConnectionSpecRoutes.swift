// `GET /connectionSpecs` (with `property=` filters) and `GET /connectionSpecs/{id}`, from the catalog.
import FlowModel
import Hummingbird

/// The connection spec routes.
struct ConnectionSpecRoutes {
    let services: FlowServices

    func register(on group: RouterGroup<FlowRequestContext>) {
        group.get("/connectionSpecs") { request, _ in try list(request) }
        group.get("/connectionSpecs/{id}") { _, context in try get(context) }
    }

    func list(_ request: Request) throws -> Response {
        var filters: [PropertyFilter] = []
        for (name, value) in try request.queryPairs() {
            guard name == "property" else { throw FlowError.unknownQueryParameter(String(name.prefix(100))) }
            filters.append(try PropertyFilter(parsing: value))
        }
        let items = services.catalog.specs.map(\.document).filter { spec in filters.allSatisfy { $0.matches(spec) } }
        return JSONResponse.ok(["items": .array(items)])
    }

    func get(_ context: FlowRequestContext) throws -> Response {
        let id = try context.resourceId()
        guard let spec = services.catalog.spec(id: id) else { throw FlowError.notFound("connectionSpecs", id: id) }
        return JSONResponse.ok(["items": [spec.document]])
    }
}
