// Dataflow runs (`/runs`): listed and filtered like every resource (`property=flowId==…`), shown
// with their metrics and activities — live while a run is in progress —, started ad hoc for a window
// (`POST /runs`, flows scheduled `once`), and re-triggered when they failed or ingested nothing
// (`POST /runs/{id}/action?op=re-trigger`).
import FlowModel
import FlowStore
import Foundation
import Hummingbird
import Logging

/// The run routes.
struct RunRoutes {
    let services: FlowServices
    /// Ad hoc runs a flow may have waiting at once.
    static let maximumWaitingAdHocRuns = 50

    func register(on group: RouterGroup<FlowRequestContext>) {
        group.get("/runs") { request, context in try await list(request, context) }
        group.get("/runs/{id}") { _, context in try await get(context) }
        group.post("/runs") { request, context in try await create(request, context) }
        group.post("/runs/{id}/action") { request, context in try await action(request, context) }
    }

    func list(_ request: Request, _ context: FlowRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let query = try ListQuery(parameters: request.queryPairs())
        let page = try await services.lists.run(caller.scope.orgId) {
            try await services.storage.page(.runs, in: caller.scope, query, fields: FlowRun.listedFields) { $0.map(FlowRun.render) }
        }
        return ResourceResponses.listing(page, query, path: "/runs")
    }

    func get(_ context: FlowRequestContext) async throws -> Response {
        JSONResponse.ok(["items": [FlowRun.render(try await load(context))]])
    }

    func load(_ context: FlowRequestContext) async throws -> FlowResource {
        try await ResourceResponses.load(.runs, context, services)
    }

    /// `POST /runs` `{"flowId", "params": {"windowStartTime", "windowEndTime", "deltaColumn"?}}`:
    /// a run of exactly that window (epoch seconds, start exclusive, end inclusive), for a flow
    /// scheduled `once` as Flow Service requires; periodic flows read every window by themselves.
    func create(_ request: Request, _ context: FlowRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        for (name, _) in try request.queryPairs() { throw FlowError.unknownQueryParameter(String(name.prefix(100))) }
        let body = try await RequestJSON.read(request, limit: services.configuration.maximumBodyBytes)
        guard case .object(let members) = body else { throw FlowError.invalidRequest("The request body must be an object with flowId and params.") }
        for key in members.keys.sorted() where key != "flowId" && key != "params" {
            throw FlowError.invalidRequest("Unknown field '\(key.prefix(100))'. Allowed fields: flowId, params.")
        }
        guard let flowId = members["flowId"]?.stringValue, (1...128).contains(flowId.count) else {
            throw FlowError.invalidRequest("'flowId' is required: the flow to run.")
        }
        guard let flow = try await services.storage.resource(.flows, id: flowId, in: caller.scope) else {
            throw FlowError.notFound("flows", id: flowId)
        }
        let definition = try FlowDefinition(body: flow.body)
        guard definition.enabled else {
            throw FlowError.invalidRequest("The flow is disabled; enable it with POST /flows/\(flow.id)/action?op=enable first.")
        }
        guard definition.schedule.frequency == .once else {
            throw FlowError.invalidRequest(
                "Ad hoc runs are for flows scheduled once; this flow runs every \(definition.schedule.interval) \(definition.schedule.frequency.rawValue)(s) and reads each window by itself."
            )
        }
        let schema: JSONValue = [
            "type": "object", "required": ["windowStartTime", "windowEndTime"],
            "properties": [
                "windowStartTime": ["type": "integer", "minimum": 0], "windowEndTime": ["type": "integer", "minimum": 0],
                "startTime": ["type": "integer"], "deltaColumn": ["type": "object"],
            ],
        ]
        let params = JSONSchema(schema).coercingScalars(members["params"] ?? .null)
        let violations = JSONSchema(schema).validate(params)
        guard violations.isEmpty, let start = params["windowStartTime"]?.int64Value, let end = params["windowEndTime"]?.int64Value,
            start < end, end <= FlowSchedule.latestStartTime
        else {
            throw FlowError.invalidRequest(
                "'params' needs windowStartTime < windowEndTime, epoch seconds\(violations.isEmpty ? "" : ": " + violations.prefix(5).map(\.message).joined(separator: "; "))."
            )
        }
        if let delta = params["deltaColumn"]?["name"]?.stringValue, delta.lowercased() != definition.deltaColumn.name.lowercased() {
            throw FlowError.invalidRequest("params.deltaColumn.name must be the flow's delta column '\(definition.deltaColumn.name)'.")
        }
        let waiting = try await services.storage.resources(.runs, state: FlowRun.Status.scheduled.rawValue).filter {
            $0.body["flowId"]?.stringValue == flow.id
        }
        guard waiting.count < Self.maximumWaitingAdHocRuns else {
            throw FlowError.invalidRequest("The flow has \(waiting.count) runs waiting; start more when they have run.")
        }
        let now = ServiceClock.now()
        let run = FlowRun(
            flowId: flow.id,
            mode: .window,
            trigger: "adHoc",
            scheduledAt: now,
            windowStart: start * 1000,
            windowEnd: end * 1000,
            sourceConnectionId: definition.sourceConnectionId,
            targetConnectionId: definition.targetConnectionId
        )
        let resource = FlowResource(
            kind: .runs,
            metadata: ResourceMetadata(id: UUID().uuidString.lowercased(), caller: caller, now: now),
            body: run.body
        )
        try await services.storage.insert(resource)
        context.logger.info("Created an ad hoc run", metadata: ["run": .string(resource.id), "flow": .string(flow.id)])
        var document = FlowRun.render(resource)
        document["etag"] = .string(resource.metadata.etag)
        return JSONResponse.make(status: 201, body: document, headers: [.location: "\(ConnectionRoutes.basePath)/runs/\(resource.id)"])
    }

    /// `POST /runs/{id}/action?op=re-trigger`: a failed run is queued again and resumes after its
    /// last committed chunk; a run that ingested nothing reads its window again.
    func action(_ request: Request, _ context: FlowRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        _ = try request.actionOperation(allowed: ["re-trigger"])
        let resource = try await load(context)
        var run = try FlowRun(body: resource.body)
        guard run.canRetrigger else {
            throw FlowError.invalidRequest(
                "Only a failed run or one that ingested no records can be re-triggered; this run is \(run.status.rawValue)."
            )
        }
        if run.status != .failed {
            // It read nothing: its window is read again (rows that arrived in it late).
            if run.mode == .incremental { run.mode = .window }
            run.copyStartedAt = nil
            run.committedThrough = nil
        }
        run.status = .scheduled
        run.attempt += 1
        run.completedAt = nil
        run.copyCompletedAt = nil
        run.warnings = []
        if !run.errors.isEmpty {
            run.warnings = run.errors.map {
                FlowRun.Issue(code: $0.code, message: "attempt \(run.attempt - 1): \($0.message)", recordCount: $0.recordCount)
            }
        }
        run.errors = []
        var updated = resource
        updated.body = run.body
        updated.metadata.touch(by: caller, now: ServiceClock.now())
        guard try await services.storage.replace(updated, expectedEtag: resource.metadata.etag) else {
            throw FlowError.versionMismatch(supplied: resource.metadata.etag, id: resource.id)
        }
        context.logger.info("Re-triggered a run", metadata: ["run": .string(resource.id), "attempt": .stringConvertible(run.attempt)])
        return JSONResponse.ok(["id": .string(resource.id), "etag": .string(updated.metadata.etag)])
    }
}
