// Working with a base connection's source: `GET /connections/{id}/test` and
// `GET /connections/{id}/explore` (tables, a table's schema, a preview of its rows).
import Connectors
import FlowModel
import FlowStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The test and explore routes.
struct SourceRoutes {
    let services: FlowServices

    /// Rows a preview shows at most.
    static let previewRows = 100
    /// Tables an explore page lists by default and at most.
    static let defaultTablePage = 1000

    func register(on group: RouterGroup<FlowRequestContext>) {
        group.get("/connections/{id}/test") { request, context in try await test(request, context) }
        group.get("/connections/{id}/explore") { request, context in try await explore(request, context) }
    }

    func test(_ request: Request, _ context: FlowRequestContext) async throws -> Response {
        for (name, _) in try request.queryPairs() { throw FlowError.unknownQueryParameter(String(name.prefix(100))) }
        let resource = try await ConnectionRoutes.base(services).load(context)
        let check: ConnectionCheck
        do {
            check = try await source(of: resource).test()
        } catch let error as ConnectorError {
            check = ConnectionCheck(failure: error)
        }
        context.logger.info(
            "Tested connection",
            metadata: [
                "id": .string(resource.id), "result": .stringConvertible(check.succeeded), "reason": .string(check.failure?.reason.rawValue ?? "-"),
            ]
        )
        return JSONResponse.ok(check.document)
    }

    func explore(_ request: Request, _ context: FlowRequestContext) async throws -> Response {
        var parameters: [String: String] = [:]
        for (name, value) in try request.queryPairs() {
            guard ["objectType", "object", "preview", "filters", "limit", "continuationToken"].contains(name) else {
                throw FlowError.unknownQueryParameter(String(name.prefix(100)))
            }
            guard parameters[name] == nil else { throw FlowError.invalidQueryValue(name, reason: "given more than once") }
            parameters[name] = value
        }
        guard let objectType = parameters["objectType"] else {
            throw FlowError.invalidQueryValue("objectType", reason: "objectType is required: root (the tables) or table (one table's schema)")
        }
        let resource = try await ConnectionRoutes.base(services).load(context)
        do {
            switch objectType.lowercased() {
            case "root":
                for name in ["object", "preview", "filters"] where parameters[name] != nil {
                    throw FlowError.invalidQueryValue(name, reason: "\(name) applies to objectType=table only")
                }
                return try await tables(of: resource, parameters, context)
            case "table":
                for name in ["limit", "continuationToken"] where parameters[name] != nil {
                    throw FlowError.invalidQueryValue(name, reason: "\(name) applies to objectType=root only")
                }
                return try await table(of: resource, parameters, context)
            default:
                throw FlowError.invalidQueryValue(
                    "objectType",
                    reason: "'\(objectType.prefix(40))' is not an object type of this source; use root or table"
                )
            }
        } catch let error as ConnectorError {
            context.logger.info("Explore failed", metadata: ["id": .string(resource.id), "reason": .string(error.reason.rawValue)])
            throw error.flowError
        }
    }

    /// `objectType=root`: one page of tables; a `Link: <…>; rel="next"` header points at the next.
    func tables(of resource: FlowResource, _ parameters: [String: String], _ context: FlowRequestContext) async throws -> Response {
        var limit = Self.defaultTablePage
        if let text = parameters["limit"] {
            guard let value = Int(text), (1...Self.defaultTablePage).contains(value) else {
                throw FlowError.invalidQueryValue("limit", reason: "limit must be an integer from 1 to \(Self.defaultTablePage)")
            }
            limit = value
        }
        var after: String?
        if let token = parameters["continuationToken"] {
            guard token.utf8.count <= 2048, let data = Base64URL.decode(token), let name = String(data: data, encoding: .utf8) else {
                throw FlowError.invalidQueryValue("continuationToken", reason: "use the token from the previous page's Link header")
            }
            after = name
        }
        let page = try await source(of: resource).tables(after: after, limit: limit)
        let items: [JSONValue] = page.tables.map { table in
            ["type": "table", "name": .string(table.displayName), "path": .string(table.text), "canPreview": true, "canFetchSchema": true]
        }
        var headers: HTTPFields = [:]
        if page.hasMore, let last = page.tables.last {
            let token = Base64URL.encode(Data(last.table.utf8))
            headers[HTTPField.Name("Link")!] =
                "<\(ConnectionRoutes.basePath)/connections/\(resource.id)/explore?objectType=root&limit=\(limit)&continuationToken=\(token)>; rel=\"next\""
        }
        return JSONResponse.make(status: 200, body: .array(items), headers: headers)
    }

    /// `objectType=table&object=<path>[&preview=true[&filters=<base64 PQL>]]`.
    func table(of resource: FlowResource, _ parameters: [String: String], _ context: FlowRequestContext) async throws -> Response {
        guard let object = parameters["object"], !object.isEmpty else {
            throw FlowError.invalidQueryValue("object", reason: "object is required with objectType=table: the table's path from objectType=root")
        }
        let path = try TablePath(parsing: object)
        var preview = false
        if let text = parameters["preview"] {
            guard let flag = Bool(text.lowercased()) else { throw FlowError.invalidQueryValue("preview", reason: "preview must be true or false") }
            preview = flag
        }
        var filter: RowFilter?
        if let text = parameters["filters"] {
            guard preview else { throw FlowError.invalidQueryValue("filters", reason: "filters apply to a preview: add preview=true") }
            filter = try RowFilter(base64: text)
        }
        let source = try source(of: resource)
        let columns = try await source.describe(path)
        var body: JSONValue = ["format": "flat", "schema": ["columns": .array(columns.map(\.document))]]
        if preview {
            if let filter { _ = try filter.sql(columns: columns) }
            let rows = try await source.preview(path, columns: columns, filter: filter, limit: Self.previewRows)
            body["data"] = .array(
                rows.map { row in
                    var object: [String: JSONValue] = [:]
                    for (column, value) in zip(columns, row) { object[column.name] = column.json(value) }
                    return .object(object)
                }
            )
        }
        return JSONResponse.ok(body)
    }

    /// The connection's source, from its spec, parameters and secrets.
    func source(of resource: FlowResource) throws -> any SourceConnector {
        let specId = resource.body["connectionSpec"]?["id"]?.stringValue ?? ""
        guard SourceConnectors.canExplore(specId: specId) else {
            throw FlowError.invalidRequest("Connections of spec \(specId) are not sources; they cannot be tested or explored.")
        }
        return try services.connectors.connector(for: resource)
    }
}

extension ConnectorError {
    /// The error as Flow Service answers it: a missing table is a 404, an unreachable source a 503,
    /// a deadline a 504, everything else the caller's to fix (400); the reason code is in `report`.
    var flowError: FlowError {
        let message = "Error from flow provider: \(self.message)"
        let report = ["reason": reason.rawValue]
        switch reason {
        case .tableNotFound: return FlowError(code: "1101-404", title: "Resource not found", detailedMessage: message, report: report)
        case .unreachable: return FlowError(code: "1103-503", title: "Service Unavailable", detailedMessage: message, report: report)
        case .timeout: return FlowError(code: "1104-504", title: "Gateway Timeout", detailedMessage: message, report: report)
        default: return FlowError(code: "1100-400", title: "Invalid request", detailedMessage: message, report: report)
        }
    }
}
