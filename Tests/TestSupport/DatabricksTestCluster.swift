// A cluster of the Databricks-shaped endpoint (scripts/databricks-endpoint/start.sh) that belongs to
// one test: its own id, so tests running in parallel never see each other's switches. The endpoint
// answers the Clusters API from `clusters/<id>.json` and 503 on the Thrift path while
// `clusters/<id>.unavailable` exists; both are written atomically.
import Foundation

public struct DatabricksTestCluster: Sendable {
    public enum State: String, Sendable {
        case running = "RUNNING"
        case pending = "PENDING"
        case terminated = "TERMINATED"
    }

    public let id: String
    let directory: URL

    /// A new cluster in `state`; its Thrift path answers 503 unless the cluster is running.
    public init(_ state: State, name: String = "test") throws {
        guard let root = LiveServers.databricksEndpointDirectory else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "TRIBUTARY_DATABRICKS_ENDPOINT_DIR is not set"])
        }
        id = "0123-456789-\(name)-\(UUID().uuidString.prefix(8).lowercased())"
        directory = root.appendingPathComponent("clusters")
        try set(state)
    }

    /// Moves the cluster to `state`, as the Clusters API then reports it and the Thrift path serves it.
    public func set(_ state: State) throws {
        let message =
            switch state {
            case .running: ""
            case .pending: "Starting Spark"
            case .terminated: "Inactive cluster terminated (inactive for 120 minutes)."
            }
        let info: [String: String] = [
            "cluster_id": id, "cluster_name": id, "state": state.rawValue, "state_message": message, "cluster_source": "UI",
        ]
        let unavailable = directory.appendingPathComponent("\(id).unavailable")
        if state == .running {
            try JSONSerialization.data(withJSONObject: info).write(to: directory.appendingPathComponent("\(id).json"), options: .atomic)
            try? FileManager.default.removeItem(at: unavailable)
        } else {
            try Data().write(to: unavailable, options: .atomic)
            try JSONSerialization.data(withJSONObject: info).write(to: directory.appendingPathComponent("\(id).json"), options: .atomic)
        }
    }

    /// How many times `POST /api/2.0/clusters/start` was called for this cluster.
    public var startCalls: Int {
        let log = directory.deletingLastPathComponent().appendingPathComponent("logs/cluster-starts.log")
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { $0.contains(id) }.count
    }
}
