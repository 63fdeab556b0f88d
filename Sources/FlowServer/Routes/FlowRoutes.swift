// Dataflows (`/flows`): the shared resource routes with the flow rules, a check that the
// connections and the mapping set fit together, the connections each flow inherits and its last
// run when shown, and `POST /flows/{id}/action?op=enable|disable`.
import Connectors
import DataLake
import FlowModel
import FlowStore
import Foundation
import Hummingbird
import Ingestion
import Logging

/// The flow routes.
struct FlowRoutes {
    let services: FlowServices

    var resources: ResourceRoutes<FlowRules> {
        var routes = ResourceRoutes(services: services, rules: FlowRules()) { body, caller in try await check(body, caller) }
        routes.present = { flows, caller in try await present(flows, caller) }
        routes.afterDelete = { id, caller in
            _ = try await services.storage.delete(.flowRuntimes, id: FlowRuntime.resourceId(flowId: id), in: caller.scope)
        }
        return routes
    }

    func register(on group: RouterGroup<FlowRequestContext>) {
        resources.register(on: group)
        group.post("/flows/{id}/action") { request, context in try await action(request, context) }
    }

    /// The source connection, its spec among the flow spec's sources, the target connection, and
    /// a mapping set onto the target's dataset, all in the caller's sandbox.
    func check(_ body: [String: JSONValue], _ caller: Caller) async throws {
        let spec = FlowSpec.standard.first { $0.id == body["flowSpec"]?["id"]?.stringValue }
        let sourceId = FlowRules.sourceConnectionId(of: body) ?? ""
        guard let source = try await services.storage.resource(.sourceConnections, id: sourceId, in: caller.scope) else {
            throw FlowError.invalidRequest("The source connection '\(sourceId.prefix(64))' does not exist in this sandbox.")
        }
        let sourceSpec = source.body["connectionSpec"]?["id"] ?? .null
        guard spec?.document["sourceConnectionSpecIds"]?.arrayValue?.contains(sourceSpec) == true else {
            throw FlowError.invalidRequest("The source connection's spec is not a source of the flow spec \(spec?.name ?? "").")
        }
        let targetId = FlowRules.targetConnectionId(of: body) ?? ""
        guard let target = try await services.storage.resource(.targetConnections, id: targetId, in: caller.scope) else {
            throw FlowError.invalidRequest("The target connection '\(targetId.prefix(64))' does not exist in this sandbox.")
        }
        let definition = try FlowDefinition(body: body)
        guard let mappingSet = try await services.storage.resource(.mappingSets, id: definition.mappingId, in: caller.scope) else {
            throw FlowError.invalidRequest(
                "The mapping set '\(definition.mappingId.prefix(64))' in the Mapping transformation does not exist in this sandbox."
            )
        }
        let datasetId = target.body["params"]?["dataSetId"]
        guard mappingSet.body["dataSetId"] == datasetId else {
            throw FlowError(
                code: "1425-400",
                title: "Invalid request",
                detailedMessage:
                    "The mapping set \(definition.mappingId.prefix(64)) maps onto dataset \(mappingSet.body["dataSetId"]?.stringValue ?? ""), not the target connection's dataset \(datasetId?.stringValue ?? "")."
            )
        }
        try await checkColumns(definition, source: source, mappingSet: mappingSet, datasetId: datasetId?.stringValue ?? "", caller: caller)
    }

    /// When the source answers: the delta column holds times and every mapped column exists with a
    /// type the dataset field takes (`1419-400`, the field named).
    func checkColumns(_ definition: FlowDefinition, source: FlowResource, mappingSet: FlowResource, datasetId: String, caller: Caller) async throws {
        guard let baseId = source.body["baseConnectionId"]?.stringValue, let tableName = source.body["params"]?["tableName"]?.stringValue,
            let base = try await services.storage.resource(.connections, id: baseId, in: caller.scope),
            let columns = try await ConnectionRoutes.describeIfReachable(tableName, base: base, services: services, purpose: "Flow created")
        else { return }
        let delta = definition.deltaColumn.name
        guard let column = columns.first(where: { $0.name == delta }) ?? columns.first(where: { $0.name.lowercased() == delta.lowercased() }) else {
            throw FlowError.invalidRequest(
                "transformations.Copy.params.deltaColumn: '\(delta.prefix(100))' is not a column of \(tableName.prefix(200))."
            )
        }
        do {
            _ = try DeltaWindow(column: column, after: nil, through: nil)
        } catch {
            throw FlowError.invalidRequest("transformations.Copy.params.deltaColumn: \(error.message).")
        }
        guard let dataset = try services.lake.dataset(datasetId, in: caller.scope) else { return }
        do {
            _ = try BatchMapper(
                mappings: FieldMapping.mappings(ofMappingSet: mappingSet.body),
                dataset: dataset.schema,
                sourceColumns: columns.map { ($0.name, $0.sourceType) }
            )
        } catch {
            throw FlowError(
                code: "1419-400",
                title: "Invalid request",
                detailedMessage:
                    "Error while validating mapping with id \(definition.mappingId.prefix(64)) against the table \(tableName.prefix(200)): '\(error.field.prefix(200))' \(error.message).",
                report: ["field": String(error.field.prefix(200))]
            )
        }
    }

    /// Flows as shown: with the connections they inherit and their last run.
    func present(_ flows: [FlowResource], _ caller: Caller) async throws -> [JSONValue] {
        guard !flows.isEmpty else { return [] }
        let storage = services.storage
        func byId(_ kind: ResourceKind, _ ids: [String]) async throws -> [String: FlowResource] {
            Dictionary(try await storage.resources(kind, ids: ids, in: caller.scope).map { ($0.id, $0) }) { $1 }
        }
        let sources = try await byId(.sourceConnections, flows.compactMap { FlowRules.sourceConnectionId(of: $0.body) })
        let targets = try await byId(.targetConnections, flows.compactMap { FlowRules.targetConnectionId(of: $0.body) })
        let runtimes = try await byId(.flowRuntimes, flows.map { FlowRuntime.resourceId(flowId: $0.id) })
        let rules = FlowRules()
        return flows.map { flow in
            var document = rules.render(flow)
            let source = FlowRules.sourceConnectionId(of: flow.body).flatMap { sources[$0] }
            let target = FlowRules.targetConnectionId(of: flow.body).flatMap { targets[$0] }
            var sourceItem: JSONValue = ["id": .string(FlowRules.sourceConnectionId(of: flow.body) ?? "")]
            if let source {
                sourceItem["connectionSpec"] = source.body["connectionSpec"] ?? .null
                sourceItem["baseConnection"] = [
                    "id": source.body["baseConnectionId"] ?? .null, "connectionSpec": source.body["connectionSpec"] ?? .null,
                ]
            }
            var targetItem: JSONValue = ["id": .string(FlowRules.targetConnectionId(of: flow.body) ?? "")]
            if let target { targetItem["connectionSpec"] = target.body["connectionSpec"] ?? .null }
            document["inheritedAttributes"] = ["sourceConnections": [sourceItem], "targetConnections": [targetItem]]
            if let resource = runtimes[FlowRuntime.resourceId(flowId: flow.id)], let runtime = try? FlowRuntime(body: resource.body),
                let last = runtime.lastRun
            {
                document["lastRunDetails"] = JSONCoding.value(of: last)
            }
            return document
        }
    }

    /// `POST /flows/{id}/action?op=enable|disable`: a disabled flow makes no runs; enabled again,
    /// it resumes from the next slot and its first run reads from the watermark, so nothing is lost.
    func action(_ request: Request, _ context: FlowRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let operation = try request.actionOperation(allowed: ["enable", "disable"])
        let flow = try await resources.load(context)
        var updated = flow
        updated.body = FlowRules.changingState(flow.body, to: operation)
        updated.metadata.touch(by: caller, now: ServiceClock.now())
        guard try await services.storage.replace(updated, expectedEtag: flow.metadata.etag) else {
            throw FlowError.versionMismatch(supplied: flow.metadata.etag, id: flow.id)
        }
        context.logger.info("Changed a flow's state", metadata: ["id": .string(flow.id), "op": .string(operation)])
        return JSONResponse.ok(["id": .string(flow.id), "etag": .string(updated.metadata.etag)])
    }
}
