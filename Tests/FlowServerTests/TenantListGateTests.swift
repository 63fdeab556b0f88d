// Lists of one organization run one (by default) at a time, in order; another organization's
// lists never wait for them.
@testable import FlowServer
import Foundation
import Synchronization
import Testing

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
        let first = Task { try await gate.run("A") { await latch.wait(); order.append(0) } }
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
}
