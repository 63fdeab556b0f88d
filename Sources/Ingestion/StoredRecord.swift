// A run or a flow's runtime as read from the store, with the version it was read at: changes
// become one compare-and-swap in a store transaction, so two writers never overwrite each other.
import FlowModel
import FlowStore

/// A value kept in a resource body, and the resource it was read from.
struct StoredRecord<Value: Sendable>: Sendable {
    var resource: FlowResource
    var value: Value
    /// Whether the resource is not in the store yet.
    var isNew: Bool
    let encode: @Sendable (Value) -> [String: JSONValue]

    /// The change that stores `value` (an insert, or a replace of the version read), and the
    /// record as it will then be.
    mutating func change(now: Int64) -> ResourceChange {
        let expected = resource.metadata.etag
        resource.body = encode(value)
        let change: ResourceChange
        if isNew {
            change = .insert(resource)
        } else {
            resource.metadata.touch(by: Caller(clientId: StoredRecord.serviceClient, scope: resource.metadata.scope), now: now)
            change = .replace(resource, expectedEtag: expected)
        }
        isNew = false
        return change
    }

    /// The name updates by the service are recorded under.
    static var serviceClient: String { "tributary" }
}

extension StoredRecord where Value == FlowRun {
    init(run resource: FlowResource) throws {
        self.init(resource: resource, value: try FlowRun(body: resource.body), isNew: false, encode: { $0.body })
    }

    /// A new run of `flow`.
    init(newRun run: FlowRun, of flow: FlowResource, id: String, now: Int64) {
        let metadata = ResourceMetadata(id: id, caller: Caller(clientId: StoredRecord.serviceClient, scope: flow.metadata.scope), now: now)
        self.init(resource: FlowResource(kind: .runs, metadata: metadata, body: run.body), value: run, isNew: true, encode: { $0.body })
    }
}

extension StoredRecord where Value == FlowRuntime {
    /// The runtime of `flow`, a new one when it has none yet.
    static func runtime(of flow: FlowResource, in storage: any FlowStorage, now: Int64) async throws -> StoredRecord<FlowRuntime> {
        let id = FlowRuntime.resourceId(flowId: flow.id)
        if let resource = try await storage.resource(.flowRuntimes, id: id, in: flow.metadata.scope) {
            return StoredRecord(resource: resource, value: try FlowRuntime(body: resource.body), isNew: false, encode: { $0.body })
        }
        let metadata = ResourceMetadata(id: id, caller: Caller(clientId: serviceClient, scope: flow.metadata.scope), now: now)
        return StoredRecord(
            resource: FlowResource(kind: .flowRuntimes, metadata: metadata, body: [:]),
            value: FlowRuntime(),
            isNew: true,
            encode: { $0.body }
        )
    }
}
