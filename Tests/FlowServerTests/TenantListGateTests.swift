import Foundation
import Synchronization
import Testing

// Lists of one organization run one (by default) at a time, in order; another organization's
// lists never wait for them; while others are served, an organization's lists keep to their share
// of the time.
@testable import FlowServer

@Suite("Lists a few at a time per organization")
struct TenantListGateTests {
    /// A latch a test opens.
    final class Latch: Sendable {
        private let stream: AsyncStream<Void>
        private let continuation: AsyncStream<Void>.Continuation
        init() { (stream, continuation) = AsyncStream.makeStream() }
        func open() { continuation.finish() }
        func wait() async { for await _ in stream {} }
    }

    /// What ran, in order.
    final class Record: Sendable {
        private let entries = Mutex<[Int]>([])
        func append(_ value: Int) { entries.withLock { $0.append(value) } }
        var values: [Int] { entries.withLock { $0 } }
    }

    func until(_ condition: () async -> Bool) async throws {
        for _ in 0..<500 where !(await condition()) { try await Task.sleep(for: .milliseconds(10)) }
        #expect(await condition())
    }

    @Test func anOrganizationsListsWaitTheirTurnInOrderAndOthersDoNot() async throws {
        let gate = TenantListGate(limit: 1)
        let latch = Latch()
        let order = Record()
        let first = Task {
            try await gate.run("A") {
                await latch.wait()
                order.append(0)
            }
        }
        try await until { await gate.load("A") == (1, 0) }
        var queued: [Task<Void, any Error>] = []
        for index in 1...2 {
            queued.append(Task { try await gate.run("A") { order.append(index) } })
            try await until { await gate.load("A").waiting == index }
        }
        // Another organization is not held up by A's queue.
        try await gate.run("B") { order.append(99) }
        #expect(await gate.load("A") == (1, 2))
        latch.open()
        try await first.value
        for task in queued { try await task.value }
        #expect(order.values == [99, 0, 1, 2])
        #expect(await gate.load("A") == (0, 0))
    }

    @Test func aFailedListGivesItsTurnBack() async throws {
        struct Failure: Error {}
        let gate = TenantListGate(limit: 1)
        await #expect(throws: Failure.self) { try await gate.run("A") { throw Failure() } }
        #expect(await gate.load("A") == (0, 0))
        #expect(try await gate.run("A") { 7 } == 7)
    }

    @Test func whileOthersAreServedAListHoldsItsSlotForTheRestOfItsShare() async throws {
        // B counts as being served however long the test takes under load (an hour's window).
        let gate = TenantListGate(limit: 1, share: 0.5, requests: RecentRequests(window: .seconds(3600)))
        gate.requests.note("B")
        let firstEnded = try await gate.run("A") {
            try await Task.sleep(for: .milliseconds(60))
            return ContinuousClock.now
        }
        // The answer is not held back, the slot is: A's next list waits as long again as this one took.
        #expect(await gate.load("A") == (1, 0))
        let secondStarted = try await gate.run("A") { ContinuousClock.now }
        #expect(secondStarted - firstEnded >= .milliseconds(60))
        // B, being served, is not held up by A's pause.
        #expect(try await gate.run("B") { 1 } == 1)
    }

    @Test func aloneAnOrganizationListsWithoutPauses() async throws {
        let gate = TenantListGate(limit: 1, share: 0.1)
        gate.requests.note("A")
        try await gate.run("A") { try await Task.sleep(for: .milliseconds(20)) }
        #expect(await gate.load("A") == (0, 0))
    }

    @Test func pausesAreCappedAndOnlyOthersRecentRequestsCount() async throws {
        let requests = RecentRequests(window: .seconds(3600))
        let gate = TenantListGate(limit: 1, share: 0.01, longestPause: .milliseconds(300), requests: requests)
        #expect(gate.pause(after: .milliseconds(10), "A") == .zero)
        requests.note("B")
        #expect(gate.pause(after: .milliseconds(1), "A") == .milliseconds(99))
        #expect(gate.pause(after: .seconds(5), "A") == .milliseconds(300))
        #expect(gate.pause(after: .seconds(5), "B") == .zero)
        // A request older than the window no longer counts.
        let brief = RecentRequests(window: .milliseconds(10))
        brief.note("B")
        try await Task.sleep(for: .milliseconds(100))
        #expect(!brief.othersThan("A"))
    }
}
