// The Clusters REST API (`GET /api/2.0/clusters/get`, `POST /api/2.0/clusters/start`): whether the
// cluster exists, is interactive and is running before a session is opened on it, and starting a
// terminated one for a run.
import Foundation
import NIOHTTP1

/// What the workspace says about a cluster.
public struct ClusterInfo: Sendable, Hashable {
    /// The cluster id.
    public var clusterId: String
    /// The cluster's name.
    public var name: String?
    /// `PENDING`, `RUNNING`, `RESTARTING`, `RESIZING`, `TERMINATING`, `TERMINATED`, `ERROR` or `UNKNOWN`.
    public var state: String
    /// Why it is in that state, when the workspace says.
    public var stateMessage: String?
    /// `UI`, `API`, `JOB`, `MODELS`, `PIPELINE`, `PIPELINE_MAINTENANCE` or `SQL`.
    public var source: String?

    /// Interactive (all-purpose) clusters are the ones created from the UI or the API.
    public var isInteractive: Bool { source == nil || source == "UI" || source == "API" }
    /// Whether it is running now.
    public var isRunning: Bool { state == "RUNNING" || state == "RESIZING" }
    /// Whether it is on its way up (a query would wait for it).
    public var isStarting: Bool { state == "PENDING" || state == "RESTARTING" }
}

extension DatabricksSQLClient {
    /// The cluster's state from the Clusters API. Databricks endpoints only.
    public func clusterInfo() async throws(DatabricksSQLError) -> ClusterInfo {
        guard endpoint.flavor == .databricks, let origin = endpoint.workspaceOrigin, let clusterId = endpoint.clusterId else {
            throw DatabricksSQLError(.invalidConfiguration, "the Clusters API exists only on Databricks workspaces")
        }
        var components = URLComponents(url: origin.appendingPathComponent("api/2.0/clusters/get"), resolvingAgainstBaseURL: false)
        components?.queryItems = [URLQueryItem(name: "cluster_id", value: clusterId)]
        guard let url = components?.url?.absoluteString else { throw DatabricksSQLError(.invalidConfiguration, "bad workspace URL") }
        let (status, headers, body) = try await transport.get(url)
        let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        switch status {
        case 200:
            guard let object, let state = object["state"] as? String else {
                throw DatabricksSQLError(.protocolViolation, "the Clusters API answered without a cluster state")
            }
            return ClusterInfo(
                clusterId: object["cluster_id"] as? String ?? clusterId,
                name: object["cluster_name"] as? String,
                state: state,
                stateMessage: (object["state_message"] as? String).flatMap { $0.isEmpty ? nil : $0 },
                source: object["cluster_source"] as? String
            )
        case 400, 404:
            let code = object?["error_code"] as? String
            if code == "INVALID_PARAMETER_VALUE" || code == "RESOURCE_DOES_NOT_EXIST" || status == 404 {
                throw DatabricksSQLError(.clusterNotFound, "cluster \(clusterId) does not exist in this workspace", httpStatus: status)
            }
            fallthrough
        default:
            throw ThriftHTTPTransport.classify(status: status, headers: headers, body: body)
        }
    }

    /// Asks the workspace to start the terminated cluster (`POST /api/2.0/clusters/start`).
    public func startCluster() async throws(DatabricksSQLError) {
        guard endpoint.flavor == .databricks, let origin = endpoint.workspaceOrigin, let clusterId = endpoint.clusterId else {
            throw DatabricksSQLError(.invalidConfiguration, "the Clusters API exists only on Databricks workspaces")
        }
        let body = Array((try? JSONSerialization.data(withJSONObject: ["cluster_id": clusterId])) ?? Data())
        let (status, headers, reply) = try await transport.rest(
            origin.appendingPathComponent("api/2.0/clusters/start").absoluteString,
            method: .POST,
            json: body
        )
        guard status == 200 else { throw ThriftHTTPTransport.classify(status: status, headers: headers, body: reply) }
    }

    /// Makes sure the cluster runs: a terminated cluster is started, and a starting one waited for
    /// (polling its state every `poll`) until it runs or `deadline` passes.
    @discardableResult
    public func ensureRunning(deadline: Duration, poll: Duration = .seconds(10)) async throws(DatabricksSQLError) -> ClusterInfo {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: deadline)
        var info = try await checkCluster(requireRunning: false)
        var asked = false
        while !info.isRunning {
            if !info.isStarting && !asked {
                try await startCluster()
                asked = true
            }
            guard clock.now < end else {
                throw DatabricksSQLError(.clusterNotReady, "cluster \(info.clusterId) is still \(info.state) after \(deadline)")
            }
            do {
                try await Task.sleep(for: min(poll, end - clock.now))
            } catch {
                throw DatabricksSQLError(.cancelled, "waiting for cluster \(info.clusterId) was cancelled")
            }
            info = try await checkCluster(requireRunning: false)
        }
        return info
    }

    /// Checks that the cluster exists and is interactive; when `requireRunning`, also that it runs
    /// (explore and preview must not start a terminated cluster).
    @discardableResult
    public func checkCluster(requireRunning: Bool) async throws(DatabricksSQLError) -> ClusterInfo {
        let info = try await clusterInfo()
        guard info.isInteractive else {
            throw DatabricksSQLError(
                .jobCluster,
                "cluster \(info.clusterId) is a \(info.source ?? "job") cluster; use an interactive (all-purpose) cluster"
            )
        }
        if requireRunning && !info.isRunning {
            let reason = info.stateMessage.map { ": \($0)" } ?? ""
            throw DatabricksSQLError(.clusterNotReady, "cluster \(info.clusterId) is \(info.state)\(reason); start it and try again")
        }
        return info
    }
}
