// Base (`/connections`), source (`/sourceConnections`) and target (`/targetConnections`)
// connections: the shared resource routes with each kind's rules and its check against the world
// outside the body.
import Connectors
import DataLake
import FlowModel
import FlowStore
import Foundation
import Logging

/// The connection routes.
enum ConnectionRoutes {
    static let basePath = "/data/foundation/flowservice"

    /// `/connections`: a connection may only name hosts the operator's policy allows (no metadata
    /// or internal addresses chosen by a client).
    static func base(_ services: FlowServices) -> ResourceRoutes<BaseConnectionRules> {
        var routes = ResourceRoutes(services: services, rules: BaseConnectionRules(catalog: services.catalog)) { body, _ in
            let specId = body["connectionSpec"]?["id"]?.stringValue ?? ""
            do {
                try services.connectors.checkDestination(specId: specId, params: body["auth"]?["params"]?.objectValue ?? [:])
            } catch let error as ConnectorError {
                throw error.flowError
            }
        }
        routes.beforeDelete = { id, caller in
            let sources = try await services.storage.ids(
                .sourceConnections,
                in: caller.scope,
                where: SourceConnectionRules.baseConnectionReference,
                isOneOf: [id]
            )
            let flows = try await services.storage.ids(.flows, in: caller.scope, where: FlowRules.sourceConnectionReference, isOneOf: sources)
            if !flows.isEmpty { throw FlowError.baseConnectionInUse(id, flows: flows) }
        }
        return routes
    }

    /// `/targetConnections`: the dataset must exist in the caller's organization and sandbox.
    static func target(_ services: FlowServices) -> ResourceRoutes<TargetConnectionRules> {
        var routes = ResourceRoutes(services: services, rules: TargetConnectionRules(catalog: services.catalog)) { body, caller in
            guard let id = TargetConnectionRules.datasetId(of: body), try services.lake.dataset(id, in: caller.scope) != nil else {
                throw FlowError.invalidRequest(
                    "The dataset '\(TargetConnectionRules.datasetId(of: body)?.prefix(64) ?? "")' in params.dataSetId does not exist in this sandbox; create it with POST /data/foundation/catalog/dataSets."
                )
            }
        }
        routes.beforeDelete = { id, caller in
            let flows = try await services.storage.ids(.flows, in: caller.scope, where: FlowRules.targetConnectionReference, isOneOf: [id])
            if !flows.isEmpty { throw FlowError.connectionInUse("target connection", id: id, flows: flows) }
        }
        return routes
    }

    /// `/sourceConnections`: the base connection must exist in the sandbox with the same spec; the
    /// table (and the columns, when given) are checked against the source when it answers — an
    /// unreachable source or a stopped cluster does not block creating the connection.
    static func source(_ services: FlowServices) -> ResourceRoutes<SourceConnectionRules> {
        var routes = ResourceRoutes(services: services, rules: SourceConnectionRules(catalog: services.catalog)) { body, caller in
            let baseId = SourceConnectionRules.baseConnectionId(of: body) ?? ""
            guard let base = try await services.storage.resource(.connections, id: baseId, in: caller.scope) else {
                throw FlowError.invalidRequest("The base connection '\(baseId.prefix(64))' does not exist in this sandbox.")
            }
            let specId = body["connectionSpec"]?["id"]?.stringValue ?? ""
            guard base.body["connectionSpec"]?["id"]?.stringValue == specId else {
                throw FlowError.invalidRequest(
                    "'connectionSpec.id' must be the base connection's spec (\(base.body["connectionSpec"]?["id"]?.stringValue ?? ""))."
                )
            }
            try await checkTable(body, base: base, services: services)
        }
        routes.beforeDelete = { id, caller in
            let flows = try await services.storage.ids(.flows, in: caller.scope, where: FlowRules.sourceConnectionReference, isOneOf: [id])
            if !flows.isEmpty { throw FlowError.connectionInUse("source connection", id: id, flows: flows) }
        }
        return routes
    }

    static func checkTable(_ body: [String: JSONValue], base: FlowResource, services: FlowServices) async throws {
        guard let tableName = body["params"]?["tableName"]?.stringValue,
            let columns = try await describeIfReachable(tableName, base: base, services: services, purpose: "Source connection created")
        else { return }
        let known = Set(columns.map { $0.name.lowercased() })
        for column in body["params"]?["columns"]?.arrayValue ?? [] {
            guard let name = column["name"]?.stringValue, known.contains(name.lowercased()) else {
                throw FlowError.invalidRequest(
                    "params.columns: '\(column["name"]?.stringValue?.prefix(100) ?? "")' is not a column of \(tableName.prefix(200))."
                )
            }
        }
    }

    /// The columns of the base connection's table, or `nil` when the source does not answer (an
    /// unreachable source or a stopped cluster does not block creating resources); a table that
    /// does not exist or cannot be read with these credentials is a `1100-400`.
    static func describeIfReachable(_ tableName: String, base: FlowResource, services: FlowServices, purpose: String) async throws -> [SourceColumn]?
    {
        let path: TablePath
        do {
            path = try TablePath(parsing: tableName)
        } catch {
            throw FlowError.invalidRequest("params.tableName: \(error.message)")
        }
        do {
            return try await services.connectors.connector(for: base).describe(path)
        } catch {
            switch error.reason {
            case .tableNotFound, .invalidObject, .databaseNotFound, .permissionDenied, .authenticationFailed:
                throw FlowError.invalidRequest("params.tableName: \(error.message)")
            default:
                services.logger.info(
                    "\(purpose) without checking the table: the source did not answer",
                    metadata: ["reason": .string(error.reason.rawValue)]
                )
                return nil
            }
        }
    }
}
