// The probes an orchestrator calls: liveness always answers; readiness is 200 only while the store
// answers and the scheduler goes round — before its first round and after it stopped it is 503 with
// the reason (the store's outage is in DatabaseOutageTests). No token is needed for either.
import FlowModel
import FlowServer
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@Suite("Health probes")
struct HealthTests {
    @Test func readinessFollowsTheSchedulerAndLivenessAlwaysAnswers() async throws {
        let service = try await TestService.make { $0.runs.pollMilliseconds = 100 }
        // The router alone: no scheduler has gone round yet.
        let withoutScheduler = Application(router: buildRouter(services: service.services))
        try await withoutScheduler.test(.router) { client in
            let live = try await client.execute(uri: "/health/live", method: .get)
            #expect(live.status == .ok && live.json == ["status": "live"])
            let ready = try await client.execute(uri: "/health/ready", method: .get)
            #expect(ready.status == .serviceUnavailable)
            #expect(
                ready.json == [
                    "status": "unavailable",
                    "checks": [
                        "store": ["status": "up"], "scheduler": ["status": "down", "reason": "the scheduler has not finished its first round"],
                    ],
                ]
            )
        }
        // The service as `tributary serve` runs it: ready once the scheduler's first round ended.
        try await service.test { client in
            var ready = try await client.execute(uri: "/health/ready", method: .get)
            for _ in 0..<100 where ready.status != .ok {
                try await Task.sleep(for: .milliseconds(100))
                ready = try await client.execute(uri: "/health/ready", method: .get)
            }
            #expect(ready.status == .ok)
            #expect(ready.json == ["status": "ready", "checks": ["store": ["status": "up"], "scheduler": ["status": "up"]]])
            #expect(try await client.execute(uri: "/health", method: .get).json == ["status": "ok"])
        }
        // Shut down: the scheduler stopped.
        try await withoutScheduler.test(.router) { client in
            let ready = try await client.execute(uri: "/health/ready", method: .get)
            #expect(
                ready.status == .serviceUnavailable && ready.json["checks"]?["scheduler"] == ["status": "down", "reason": "the scheduler stopped"]
            )
        }
    }
}
