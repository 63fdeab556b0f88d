// Base connections: `POST/GET /connections`, `GET/PATCH/DELETE /connections/{id}`.
import Connectors
import FlowModel
import FlowStore
import Foundation
import Hummingbird
import Logging

/// The base connection routes.
struct ConnectionRoutes {
    let services: FlowServices
    static let basePath = "/data/foundation/flowservice"

    var rules: BaseConnectionRules { BaseConnectionRules(catalog: services.catalog) }

    func register(on group: RouterGroup<FlowRequestContext>) {
        group.post("/connections") { request, context in try await create(request, context) }
        group.get("/connections") { request, context in try await list(request, context) }
        group.get("/connections/{id}") { _, context in try await get(context) }
        group.patch("/connections/{id}") { request, context in try await patch(request, context) }
        group.delete("/connections/{id}") { _, context in try await delete(context) }
    }

    func create(_ request: Request, _ context: FlowRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        for (name, value) in try request.queryPairs() {
            if name == "mode" {
                throw FlowError.invalidRequest("Draft mode (mode=\(value.prefix(20))) is not supported; create the connection directly.")
            }
            throw FlowError.unknownQueryParameter(String(name.prefix(100)))
        }
        let body = try await RequestJSON.read(request, limit: services.configuration.maximumBodyBytes)
        let (fields, secrets) = try rules.validateNew(body)
        try checkDestination(fields)
        let id = UUID().uuidString.lowercased()
        let resource = FlowResource(
            kind: .connections, metadata: ResourceMetadata(id: id, caller: caller, now: Self.now()), body: fields, secrets: secrets)
        try await services.storage.insert(resource)
        context.logger.info("Created connection", metadata: ["id": .string(id)])
        return JSONResponse.make(
            status: 201, body: ["id": .string(id), "etag": .string(resource.metadata.etag)],
            headers: [.location: "\(Self.basePath)/connections/\(id)"])
    }

    func list(_ request: Request, _ context: FlowRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let query = try ListQuery(parameters: request.queryPairs())
        let documents = try await services.storage.resources(.connections, in: caller.scope).map(rules.render)
        let page = query.page(of: documents)
        if query.countOnly { return JSONResponse.ok(["count": .integer(Int64(page.totalCount))]) }
        var links: [String: JSONValue] = [:]
        if let token = page.continuationToken {
            links["next"] = ["href": .string("/connections?continuationToken=\(token)")]
        }
        return JSONResponse.ok(["items": .array(page.items), "_links": .object(links)])
    }

    func get(_ context: FlowRequestContext) async throws -> Response {
        let resource = try await load(context)
        return JSONResponse.ok(["items": [rules.render(resource)]])
    }

    func patch(_ request: Request, _ context: FlowRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        guard let ifMatch = request.headers[.ifMatch], !ifMatch.isEmpty else { throw FlowError.missingHeader("If-Match") }
        let resource = try await load(context)
        let document = try await RequestJSON.read(request, limit: services.configuration.maximumBodyBytes, allowPatchType: true)
        guard resource.metadata.matches(ifMatch: ifMatch) else {
            throw FlowError.versionMismatch(supplied: String(ifMatch.prefix(100)), id: resource.id)
        }
        let (fields, secrets) = try rules.patch(resource, with: document)
        try checkDestination(fields)
        var updated = resource
        updated.body = fields
        updated.secrets = secrets
        updated.metadata.touch(by: caller, now: Self.now())
        guard try await services.storage.replace(updated, expectedEtag: resource.metadata.etag) else {
            guard try await services.storage.resource(.connections, id: resource.id, in: caller.scope) != nil else {
                throw FlowError.notFound("connections", id: resource.id)
            }
            throw FlowError.versionMismatch(supplied: String(ifMatch.prefix(100)), id: resource.id)
        }
        context.logger.info("Updated connection", metadata: ["id": .string(resource.id)])
        return JSONResponse.ok(["id": .string(updated.id), "etag": .string(updated.metadata.etag)])
    }

    func delete(_ context: FlowRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try context.resourceId()
        guard try await services.storage.delete(.connections, id: id, in: caller.scope) else {
            throw FlowError.notFound("connections", id: id)
        }
        context.logger.info("Deleted connection", metadata: ["id": .string(id)])
        return Response(status: .noContent)
    }

    /// A connection may only name hosts the operator's policy allows (no metadata or internal
    /// addresses chosen by a client).
    private func checkDestination(_ fields: [String: JSONValue]) throws {
        let specId = fields["connectionSpec"]?["id"]?.stringValue ?? ""
        do {
            try services.connectors.checkDestination(specId: specId, params: fields["auth"]?["params"]?.objectValue ?? [:])
        } catch {
            throw error.flowError
        }
    }

    /// The connection `{id}` of the caller's organization and sandbox, or `1439-404`.
    func load(_ context: FlowRequestContext) async throws -> FlowResource {
        let caller = try context.requireCaller()
        let id = try context.resourceId()
        guard let resource = try await services.storage.resource(.connections, id: id, in: caller.scope) else {
            throw FlowError.notFound("connections", id: id)
        }
        return resource
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
