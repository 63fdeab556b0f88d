// Mapping sets (`/data/foundation/conversion/mappingSets`): created against a dataset of the
// caller's sandbox and checked there (every destination a field, every required field filled,
// source types convertible when the source's columns are given).
import DataLake
import FlowModel
import FlowStore
import Foundation
import Hummingbird
import Ingestion
import Logging

/// The mapping set routes.
struct MappingSetRoutes {
    let services: FlowServices
    static let basePath = "/data/foundation/conversion"

    func register(on group: RouterGroup<FlowRequestContext>) {
        group.post("/mappingSets") { request, context in try await create(request, context) }
        group.get("/mappingSets") { request, context in try await list(request, context) }
        group.get("/mappingSets/{id}") { _, context in try await get(context) }
    }

    func create(_ request: Request, _ context: FlowRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        for (name, _) in try request.queryPairs() { throw FlowError.unknownQueryParameter(String(name.prefix(100))) }
        let document = try MappingSetDocument(parsing: try await RequestJSON.read(request, limit: services.configuration.maximumBodyBytes))
        let dataset = try dataset(for: document, in: caller.scope)
        do {
            _ = try BatchMapper(
                mappings: document.mappings.map { FieldMapping(source: $0.sourceAttribute, destination: $0.destinationXdmPath) },
                dataset: dataset.schema,
                sourceColumns: document.sourceColumns
            )
        } catch {
            throw FlowError(
                code: "1419-400",
                title: "Invalid request",
                detailedMessage: "Error while validating the mapping against dataset \(dataset.id): '\(error.field.prefix(200))' \(error.message).",
                report: ["field": String(error.field.prefix(200))]
            )
        }
        var body = document.stored
        body["dataSetId"] = .string(dataset.id)
        let id = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let resource = FlowResource(kind: .mappingSets, metadata: ResourceMetadata(id: id, caller: caller, now: ServiceClock.now()), body: body)
        try await services.storage.insert(resource)
        context.logger.info("Created mapping set", metadata: ["id": .string(id), "dataSet": .string(dataset.id)])
        return JSONResponse.make(status: 201, body: Self.summary(resource), headers: [.location: "\(Self.basePath)/mappingSets/\(id)"])
    }

    func list(_ request: Request, _ context: FlowRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let (start, limit, _) = try CatalogRoutes.paging(request, filters: [])
        let sets = try await services.storage.resources(.mappingSets, in: caller.scope, matching: ResourceQuery(limit: limit, offset: start))
        let count = try await services.storage.count(.mappingSets, in: caller.scope, matching: [])
        return JSONResponse.ok(["data": .array(sets.map { Self.render($0.resource) }), "_page": ["count": .integer(Int64(count))]])
    }

    func get(_ context: FlowRequestContext) async throws -> Response {
        JSONResponse.ok(Self.render(try await ResourceResponses.load(.mappingSets, context, services)))
    }

    /// The dataset a mapping set targets: `@/dataSets/<id>`, or the dataset referencing the XDM schema.
    func dataset(for document: MappingSetDocument, in scope: TenantScope) throws -> Dataset {
        if let id = document.datasetReference {
            guard let dataset = try services.lake.dataset(id, in: scope) else {
                throw FlowError.invalidRequest("The dataset \(id.prefix(64)) in 'xdmSchema' does not exist in this sandbox.")
            }
            return dataset
        }
        guard let dataset = try services.lake.datasets(in: scope).first(where: { $0.schemaRef?["id"]?.stringValue == document.xdmSchema }) else {
            throw FlowError.invalidRequest(
                "No dataset of this sandbox references the XDM schema '\(document.xdmSchema.prefix(200))'; use \"@/dataSets/<id>\" or create the dataset with that schemaRef."
            )
        }
        return dataset
    }

    /// What create answers: Data Prep's summary.
    static func summary(_ resource: FlowResource) -> JSONValue {
        [
            "id": .string(resource.id), "version": 0, "createdDate": .integer(resource.metadata.createdAt),
            "modifiedDate": .integer(resource.metadata.updatedAt), "createdBy": .string(resource.metadata.createdBy),
            "modifiedBy": .string(resource.metadata.updatedBy),
        ]
    }

    /// The whole mapping set.
    static func render(_ resource: FlowResource) -> JSONValue {
        var document = summary(resource)
        for (key, value) in resource.body { document[key] = value }
        return document
    }
}
