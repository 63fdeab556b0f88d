// The catalog API for the local data lake (`/data/foundation/catalog`): datasets and their
// batches, in Catalog's shapes (objects keyed by id; `["@/dataSets/<id>"]` on create).
import DataLake
import FlowModel
import Foundation
import Hummingbird
import Logging
import Parquet

/// The catalog routes.
struct CatalogRoutes {
    let services: FlowServices
    static let basePath = "/data/foundation/catalog"
    /// Items per list call by default and at most, as Catalog.
    static let defaultLimit = 50
    static let maximumLimit = 100

    func register(on group: RouterGroup<FlowRequestContext>) {
        group.post("/dataSets") { request, context in try await createDataset(request, context) }
        group.get("/dataSets") { request, context in try listDatasets(request, context) }
        group.get("/dataSets/{id}") { request, context in try getDataset(request, context) }
        group.patch("/dataSets/{id}") { request, context in try await patchDataset(request, context) }
        group.delete("/dataSets/{id}") { _, context in try deleteDataset(context) }
        group.get("/batches") { request, context in try listBatches(request, context) }
        group.get("/batches/{id}") { request, context in try getBatch(request, context) }
    }

    var lake: DataLake { services.lake }

    // MARK: Datasets

    func createDataset(_ request: Request, _ context: FlowRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        for (name, _) in try request.queryPairs() { throw FlowError.unknownQueryParameter(String(name.prefix(100))) }
        let body = try await RequestJSON.read(request, limit: services.configuration.maximumBodyBytes)
        guard case .object(let members) = body else { throw FlowError.invalidRequest("The body must be a JSON object describing the dataset.") }
        let allowed: Set<String> = ["name", "description", "schema", "schemaRef", "tags", "compression"]
        for key in members.keys.sorted() where !allowed.contains(key) {
            throw FlowError.invalidRequest("Unknown field '\(key.prefix(100))'. Allowed fields: \(allowed.sorted().joined(separator: ", ")).")
        }
        let name = try BaseConnectionRules.validateName(members["name"])
        let description = try Self.description(members["description"])
        if let reference = members["schemaRef"], reference.objectValue?["id"]?.stringValue == nil {
            throw FlowError.invalidRequest("'schemaRef' must be an object with an 'id' (and optionally 'contentType').")
        }
        guard let schemaDocument = members["schema"] else {
            throw FlowError.invalidRequest(
                "'schema' is required: {\"fields\": [{\"name\", \"type\", …}]}. Tributary has no schema registry, so a 'schemaRef' is kept as given but the fields must be sent inline."
            )
        }
        let compression = try Self.compression(members["compression"])
        let dataset = try lakeCall {
            try lake.createDataset(
                name: name,
                description: description,
                schema: try DatasetSchema(parsing: schemaDocument),
                schemaRef: members["schemaRef"],
                compression: compression,
                in: caller.scope,
                now: ServiceClock.now()
            )
        }
        context.logger.info("Created dataset", metadata: ["id": .string(dataset.id)])
        return JSONResponse.make(
            status: 201,
            body: [.string("@/dataSets/\(dataset.id)")],
            headers: [.location: "\(Self.basePath)/dataSets/\(dataset.id)"]
        )
    }

    func listDatasets(_ request: Request, _ context: FlowRequestContext) throws -> Response {
        let caller = try context.requireCaller()
        let (start, limit, filters) = try Self.paging(request, filters: ["name"])
        var datasets = try lakeCall { try lake.datasets(in: caller.scope) }
        if let name = filters["name"] { datasets = datasets.filter { $0.name == name } }
        return JSONResponse.ok(Self.keyed(datasets.dropFirst(start).prefix(limit).map { ($0.id, $0.document) }))
    }

    func getDataset(_ request: Request, _ context: FlowRequestContext) throws -> Response {
        for (name, _) in try request.queryPairs() { throw FlowError.unknownQueryParameter(String(name.prefix(100))) }
        let dataset = try loadDataset(context)
        return JSONResponse.ok(Self.keyed([(dataset.id, dataset.document)]))
    }

    /// `{"schema": {...}}` grows the schema (nullable fields added at the end); `name` and
    /// `description` may change too.
    func patchDataset(_ request: Request, _ context: FlowRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let dataset = try loadDataset(context)
        let body = try await RequestJSON.read(request, limit: services.configuration.maximumBodyBytes)
        guard case .object(let members) = body, !members.isEmpty else {
            throw FlowError.invalidRequest("The body must be a JSON object with the fields to change: schema, name, description.")
        }
        for key in members.keys.sorted() where !["schema", "name", "description"].contains(key) {
            throw FlowError.invalidRequest("The field '\(key.prefix(100))' cannot be changed. Changeable fields: description, name, schema.")
        }
        var updated = dataset
        if let schema = members["schema"] {
            updated = try lakeCall {
                try lake.evolveSchema(dataset.id, to: try DatasetSchema(parsing: schema), in: caller.scope, now: ServiceClock.now())
            }
        }
        if members["name"] != nil || members["description"] != nil {
            let name = members["name"] == nil ? updated.name : try BaseConnectionRules.validateName(members["name"])
            let description = members["description"] == nil ? updated.description : try Self.description(members["description"])
            updated = try lakeCall { try lake.rename(dataset.id, name: name, description: description, in: caller.scope, now: ServiceClock.now()) }
        }
        return JSONResponse.ok([.string("@/dataSets/\(updated.id)")])
    }

    func deleteDataset(_ context: FlowRequestContext) throws -> Response {
        let caller = try context.requireCaller()
        let id = try context.resourceId()
        guard try lakeCall({ try lake.deleteDataset(id, in: caller.scope) }) else { throw FlowError.notFound("dataSets", id: id) }
        context.logger.info("Deleted dataset", metadata: ["id": .string(id)])
        return JSONResponse.ok([.string("@/dataSets/\(id)")])
    }

    // MARK: Batches

    func listBatches(_ request: Request, _ context: FlowRequestContext) throws -> Response {
        let caller = try context.requireCaller()
        let (start, limit, filters) = try Self.paging(request, filters: ["dataSet", "status"])
        if let id = filters["dataSet"], try lakeCall({ try lake.dataset(id, in: caller.scope) }) == nil {
            throw FlowError.notFound("dataSets", id: String(id.prefix(64)))
        }
        var batches = try lakeCall { try lake.batches(in: caller.scope, datasetId: filters["dataSet"]) }
        if let status = filters["status"] {
            guard BatchRecord.Status(rawValue: status) != nil else {
                throw FlowError.invalidQueryValue("status", reason: "status is loading, success or failed")
            }
            batches = batches.filter { $0.status.rawValue == status }
        }
        return JSONResponse.ok(Self.keyed(batches.dropFirst(start).prefix(limit).map { ($0.id, $0.document) }))
    }

    func getBatch(_ request: Request, _ context: FlowRequestContext) throws -> Response {
        let caller = try context.requireCaller()
        for (name, _) in try request.queryPairs() { throw FlowError.unknownQueryParameter(String(name.prefix(100))) }
        let id = try context.resourceId()
        guard let batch = try lakeCall({ try lake.batch(id, in: caller.scope) }) else { throw FlowError.notFound("batches", id: id) }
        return JSONResponse.ok(Self.keyed([(batch.id, batch.document)]))
    }

    // MARK: Helpers

    private func loadDataset(_ context: FlowRequestContext) throws -> Dataset {
        let caller = try context.requireCaller()
        let id = try context.resourceId()
        guard let dataset = try lakeCall({ try lake.dataset(id, in: caller.scope) }) else { throw FlowError.notFound("dataSets", id: id) }
        return dataset
    }

    /// Runs a lake operation, answering its errors as Flow errors (a bad schema is the caller's to fix).
    private func lakeCall<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DataLakeError {
            switch error.code {
            case .invalidSchema, .invalidBatch, .invalidState: throw FlowError.invalidRequest(error.message)
            case .notFound: throw FlowError(code: "1439-404", title: "Resource not found", detailedMessage: error.message)
            default: throw error
            }
        }
    }

    /// A dataset's codec: one of the names, and its library present on this machine.
    static func compression(_ value: JSONValue?) throws -> ParquetCompression? {
        guard let value else { return nil }
        let names = ParquetCompression.allCases.map(\.name)
        guard let name = value.stringValue, let codec = ParquetCompression(name: name) else {
            throw FlowError.invalidRequest("'compression' must be one of \(names.joined(separator: ", ")).")
        }
        do {
            try codec.checkAvailable()
        } catch {
            throw FlowError.invalidRequest("'compression' \(codec.name) is not available on this service: \(error.message)")
        }
        return codec
    }

    static func description(_ value: JSONValue?) throws -> String? {
        guard let value, value != .null else { return nil }
        guard let text = value.stringValue, text.count <= BaseConnectionRules.maximumDescriptionLength else {
            throw FlowError.invalidRequest("'description' must be a string of at most \(BaseConnectionRules.maximumDescriptionLength) characters.")
        }
        return text
    }

    /// `start` (offset), `limit` (1–100, default 50) and the named filters.
    static func paging(_ request: Request, filters allowed: Set<String>) throws -> (start: Int, limit: Int, filters: [String: String]) {
        var start = 0
        var limit = defaultLimit
        var filters: [String: String] = [:]
        for (name, value) in try request.queryPairs() {
            switch name {
            case "start":
                guard let number = Int(value), number >= 0 else {
                    throw FlowError.invalidQueryValue("start", reason: "start is an offset of 0 or more")
                }
                start = number
            case "limit":
                guard let number = Int(value), (1...maximumLimit).contains(number) else {
                    throw FlowError.invalidQueryValue("limit", reason: "limit is 1 to \(maximumLimit)")
                }
                limit = number
            case _ where allowed.contains(name):
                filters[name] = value
            default:
                throw FlowError.unknownQueryParameter(String(name.prefix(100)))
            }
        }
        return (start, limit, filters)
    }

    /// Catalog's list shape: an object keyed by id, in the given order.
    static func keyed(_ items: [(String, JSONValue)]) -> JSONValue {
        .object(Dictionary(items, uniquingKeysWith: { first, _ in first }))
    }
}
