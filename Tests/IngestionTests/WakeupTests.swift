// The scheduler's wait between rounds: cut short by a signal (a run ended) or a cancellation (a
// shutdown), kept when nothing happens. Bounds are generous: a broken wait takes the full minute.
import Foundation
import TestSupport
import Testing

@testable import Ingestion

@Suite("The scheduler's wait")
struct WakeupTests {
    static let long: Int64 = 60_000

    /// How long `work` takes, timed on an executor of its own (not behind the other tests' queue).
    func elapsed(_ work: @Sendable () async -> Void) async -> Duration {
        await onOwnExecutor {
            let clock = ContinuousClock()
            let start = clock.now
            await work()
            return clock.now - start
        }
    }

    @Test func aSignalEndsTheWaitUnderWay() async {
        let wakeup = Wakeup()
        let signaller = Task {
            try? await Task.sleep(for: .milliseconds(50))
            wakeup.signal()
        }
        #expect(await elapsed { await wakeup.wait(milliseconds: Self.long) } < .seconds(30))
        await signaller.value
    }

    @Test func aSignalWhileNobodyWaitsEndsTheNextWaitOnly() async {
        let wakeup = Wakeup()
        wakeup.signal()
        #expect(await elapsed { await wakeup.wait(milliseconds: Self.long) } < .seconds(30))
        // Spent: the next wait lasts its time.
        #expect(await elapsed { await wakeup.wait(milliseconds: 300) } >= .milliseconds(300))
    }

    @Test func aCancelledWaitEnds() async {
        let wakeup = Wakeup()
        let waiting = Task { await wakeup.wait(milliseconds: Self.long) }
        try? await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        #expect(await elapsed { await waiting.value } < .seconds(30))
    }
}
