// The routes every kind of Flow Service resource shares: `POST/GET /<kind>`,
// `GET/PATCH/DELETE /<kind>/{id}`, with Adobe's etag, If-Match and list semantics. What differs
// per kind is in its ResourceRules and an optional check against other resources.
import FlowModel
import FlowStore
import Foundation
import Hummingbird
import Logging

/// The CRUD routes of one kind of resource.
struct ResourceRoutes<Rules: ResourceRules> {
    let services: FlowServices
    let rules: Rules
    /// A check of a new or patched body against things beyond it (hosts, datasets, …).
    var check: @Sendable (_ body: [String: JSONValue], _ caller: Caller) async throws -> Void = { _, _ in }
    /// How resources are shown; by default the rules' rendering.
    var present: (@Sendable (_ resources: [FlowResource], _ caller: Caller) async throws -> [JSONValue])?
    /// A check before a delete (a resource still in use stays).
    var beforeDelete: @Sendable (_ id: String, _ caller: Caller) async throws -> Void = { _, _ in }
    /// What else goes with a deleted resource.
    var afterDelete: @Sendable (_ id: String, _ caller: Caller) async throws -> Void = { _, _ in }

    var path: String { "/\(rules.kind.rawValue)" }

    func register(on group: RouterGroup<FlowRequestContext>) {
        group.post(RouterPath(path)) { request, context in try await create(request, context) }
        group.get(RouterPath(path)) { request, context in try await list(request, context) }
        group.get(RouterPath("\(path)/{id}")) { _, context in try await get(context) }
        group.patch(RouterPath("\(path)/{id}")) { request, context in try await patch(request, context) }
        group.delete(RouterPath("\(path)/{id}")) { _, context in try await delete(context) }
    }

    func create(_ request: Request, _ context: FlowRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        for (name, value) in try request.queryPairs() {
            if name == "mode" {
                throw FlowError.invalidRequest("Draft mode (mode=\(value.prefix(20))) is not supported; create the resource directly.")
            }
            throw FlowError.unknownQueryParameter(String(name.prefix(100)))
        }
        let body = try await RequestJSON.read(request, limit: services.configuration.maximumBodyBytes)
        let (fields, secrets) = try rules.validateNew(body)
        try await check(fields, caller)
        let id = UUID().uuidString.lowercased()
        let resource = FlowResource(
            kind: rules.kind,
            metadata: ResourceMetadata(id: id, caller: caller, now: ServiceClock.now()),
            body: fields,
            secrets: secrets
        )
        try await services.storage.insert(resource)
        context.logger.info("Created resource", metadata: ["kind": .string(rules.kind.rawValue), "id": .string(id)])
        return JSONResponse.make(
            status: 201,
            body: ["id": .string(id), "etag": .string(resource.metadata.etag)],
            headers: [.location: "\(ConnectionRoutes.basePath)\(path)/\(id)"]
        )
    }

    func list(_ request: Request, _ context: FlowRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let query = try ListQuery(parameters: request.queryPairs())
        let page = try await services.lists.run(caller.scope.orgId) {
            try await services.storage.page(rules.kind, in: caller.scope, query, fields: rules.listedFields) { try await show($0, caller) }
        }
        return ResourceResponses.listing(page, query, path: path)
    }

    func get(_ context: FlowRequestContext) async throws -> Response {
        let resource = try await load(context)
        guard present == nil else { return JSONResponse.ok(["items": .array(try await show([resource], try context.requireCaller()))]) }
        return JSONResponse.items(encoded: services.rendered.bytes(of: resource, render: rules.render))
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
        try await check(fields, caller)
        var updated = resource
        updated.body = fields
        updated.secrets = secrets
        updated.metadata.touch(by: caller, now: ServiceClock.now())
        guard try await services.storage.replace(updated, expectedEtag: resource.metadata.etag) else {
            guard try await services.storage.resource(rules.kind, id: resource.id, in: caller.scope) != nil else {
                throw FlowError.notFound(rules.kind.rawValue, id: resource.id)
            }
            throw FlowError.versionMismatch(supplied: String(ifMatch.prefix(100)), id: resource.id)
        }
        context.logger.info("Updated resource", metadata: ["kind": .string(rules.kind.rawValue), "id": .string(resource.id)])
        return JSONResponse.ok(["id": .string(updated.id), "etag": .string(updated.metadata.etag)])
    }

    func delete(_ context: FlowRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try context.resourceId()
        try await beforeDelete(id, caller)
        guard try await services.storage.delete(rules.kind, id: id, in: caller.scope) else {
            throw FlowError.notFound(rules.kind.rawValue, id: id)
        }
        try await afterDelete(id, caller)
        context.logger.info("Deleted resource", metadata: ["kind": .string(rules.kind.rawValue), "id": .string(id)])
        return Response(status: .noContent)
    }

    func show(_ resources: [FlowResource], _ caller: Caller) async throws -> [JSONValue] {
        guard let present else { return resources.map(rules.render) }
        return try await present(resources, caller)
    }

    /// The resource `{id}` of the caller's organization and sandbox, or `1439-404`.
    func load(_ context: FlowRequestContext) async throws -> FlowResource {
        try await ResourceResponses.load(rules.kind, context, services)
    }
}

/// What every list and every `{id}` route answers, whatever the kind.
enum ResourceResponses {
    /// A page as Flow Service lists answer: `items` and `_links.next`, or the `count`.
    static func listing(_ page: ListQuery.Page, _ query: ListQuery, path: String) -> Response {
        if query.countOnly { return JSONResponse.ok(["count": .integer(Int64(page.totalCount ?? 0))]) }
        var links: [String: JSONValue] = [:]
        if let token = page.continuationToken {
            links["next"] = ["href": .string("\(path)?continuationToken=\(token)")]
        }
        return JSONResponse.ok(["items": .array(page.items), "_links": .object(links)])
    }

    /// The resource of `kind` named `{id}` in the path, in the caller's organization and sandbox, or `1439-404`.
    static func load(_ kind: ResourceKind, _ context: FlowRequestContext, _ services: FlowServices) async throws -> FlowResource {
        let caller = try context.requireCaller()
        let id = try context.resourceId()
        guard let resource = try await services.storage.resource(kind, id: id, in: caller.scope) else {
            throw FlowError.notFound(kind.rawValue, id: id)
        }
        return resource
    }
}
