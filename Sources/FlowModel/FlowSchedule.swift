// When a dataflow runs: `scheduleParams` (`startTime` in epoch seconds, `frequency`, `interval`,
// `backfill`) as schedule times. Times are fixed instants — startTime plus whole periods, a day
// being 86,400 s and a week seven days, in UTC with no daylight saving — so every instance and every
// restart computes the same windows, and a clock that jumps changes only when they are due.

/// A flow's schedule.
public struct FlowSchedule: Sendable, Hashable {
    /// How often a flow runs.
    public enum Frequency: String, Sendable, Hashable, CaseIterable {
        case once, minute, hour, day, week

        /// One unit, in milliseconds (`nil` for `once`).
        var unitMilliseconds: Int64? {
            switch self {
            case .once: nil
            case .minute: 60_000
            case .hour: 3_600_000
            case .day: 86_400_000
            case .week: 604_800_000
            }
        }
    }

    /// The first run's time, epoch seconds.
    public var startTime: Int64
    /// How often.
    public var frequency: Frequency
    /// Units between runs (1 for `once`).
    public var interval: Int64
    /// Whether runs due before the flow was created are made (and the first run copies the whole
    /// table up to its window end), or only those from then on.
    public var backfill: Bool

    /// The latest start time accepted: year 9999.
    public static let latestStartTime: Int64 = 253_402_300_799

    /// Reads schedule parameters already checked against the flow spec's `scheduleSpec`.
    public init(_ params: JSONValue) throws(FlowError) {
        guard let start = params["startTime"]?.int64Value, (0...Self.latestStartTime).contains(start) else {
            throw FlowError.invalidRequest("scheduleParams.startTime must be epoch seconds between 0 and \(Self.latestStartTime).")
        }
        guard let name = params["frequency"]?.stringValue, let frequency = Frequency(rawValue: name) else {
            throw FlowError.invalidRequest("scheduleParams.frequency must be one of once, minute, hour, day, week.")
        }
        let interval = params["interval"]?.int64Value ?? 1
        guard (1...1_000_000).contains(interval) else {
            throw FlowError.invalidRequest("scheduleParams.interval must be between 1 and 1000000.")
        }
        self.startTime = start
        self.frequency = frequency
        self.interval = interval
        self.backfill = params["backfill"]?.boolValue ?? true
    }

    /// Milliseconds between runs; `nil` for `once`.
    public var periodMilliseconds: Int64? { frequency.unitMilliseconds.map { $0 * interval } }

    /// The time of run number `index` (0 is `startTime`), epoch milliseconds.
    public func time(ofRun index: Int64) -> Int64 {
        startTime * 1000 + index * (periodMilliseconds ?? 0)
    }

    /// The first run index whose time is at or after `instant` (epoch milliseconds).
    public func firstRun(atOrAfter instant: Int64) -> Int64 {
        guard let period = periodMilliseconds else { return 0 }
        let offset = instant - startTime * 1000
        guard offset > 0 else { return 0 }
        return (offset + period - 1) / period
    }
}
