// Whether the scheduler is going round: when its last round ended, on the monotonic clock. The
// readiness probe reads it; a scheduler that stopped or hangs stops beating.
import Dispatch
import Synchronization

/// The scheduler's sign of life.
public final class SchedulerPulse: Sendable {
    /// When the last round ended (monotonic milliseconds); `notStarted` before the first, `stopped` after the last.
    private let lastRound = Atomic<Int64>(notStarted)
    private static let notStarted: Int64 = -1
    private static let stopped: Int64 = -2

    /// A pulse with no round yet.
    public init() {}

    /// The scheduler's state, as the pulse last saw it.
    public enum State: Sendable, Equatable {
        /// It has not ended its first round (it recovers interrupted runs first).
        case notStarted
        /// Its last round ended this many milliseconds ago.
        case lastRound(millisecondsAgo: Int64)
        /// It stopped (the service is shutting down).
        case stopped
    }

    /// The state now.
    public var state: State {
        switch lastRound.load(ordering: .relaxed) {
        case Self.notStarted: .notStarted
        case Self.stopped: .stopped
        case let last: .lastRound(millisecondsAgo: Self.now() - last)
        }
    }

    func roundEnded() { lastRound.store(Self.now(), ordering: .relaxed) }

    func schedulerStopped() { lastRound.store(Self.stopped, ordering: .relaxed) }

    private static func now() -> Int64 { Int64(DispatchTime.now().uptimeNanoseconds / 1_000_000) }
}
