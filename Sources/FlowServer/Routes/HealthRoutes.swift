// Probes for whatever runs the service (an orchestrator, a load balancer): liveness says the process
// answers HTTP; readiness says it can do its work — its store answers and its scheduler goes round.
// Neither needs a token, and neither says more than which check failed and why, in general terms.
import FlowModel
import FlowStore
import Hummingbird
import Ingestion

struct HealthRoutes {
    let services: FlowServices

    func register(on router: Router<FlowRequestContext>) {
        router.get("/health") { _, _ in JSONResponse.ok(["status": "ok"]) }
        router.get("/health/live") { _, _ in JSONResponse.ok(["status": "live"]) }
        router.get("/health/ready") { _, _ in await ready() }
    }

    /// 200 when every check passes, 503 otherwise; the checks either way.
    func ready() async -> Response {
        let checks: [(String, String?)] = [("store", await storeProblem()), ("scheduler", schedulerProblem())]
        var members: [String: JSONValue] = [:]
        for (name, problem) in checks {
            members[name] = problem.map { ["status": "down", "reason": .string($0)] } ?? ["status": "up"]
        }
        let isReady = checks.allSatisfy { $0.1 == nil }
        return JSONResponse.make(status: isReady ? 200 : 503, body: ["status": isReady ? "ready" : "unavailable", "checks": .object(members)])
    }

    /// Why the store is not answering, or nil when it answers (one indexed read, bounded by the
    /// store's own connect timeout).
    func storeProblem() async -> String? {
        do {
            _ = try await services.storage.earliestDue(.flows)
            return nil
        } catch let error as FlowStoreError where error.code == .unavailable {
            return "the database is not available"
        } catch {
            return "the database did not answer a read"
        }
    }

    /// Why the scheduler is not going round, or nil when its last round ended recently: within five
    /// polls, and never less than 30 s (a round that starts runs may take a few seconds).
    func schedulerProblem() -> String? {
        let limit = max(30_000, 5 * services.configuration.runs.pollMilliseconds)
        switch services.schedulerPulse.state {
        case .notStarted: return "the scheduler has not finished its first round"
        case .stopped: return "the scheduler stopped"
        case .lastRound(let ago) where ago > limit: return "the scheduler's last round ended \(ago / 1000) s ago"
        case .lastRound: return nil
        }
    }
}
