// Lists of one organization run a few at a time, and take at most a share of the service's time
// while other organizations are being served. A list costs what its page holds (up to 1,000
// records to read and write): an organization pulling pages back to back from many clients would
// otherwise take a core or more from everyone else. Its further lists wait their turn, in order;
// other organizations' calls never wait for it. Alone, an organization lists at full speed.
import Synchronization

/// At most `limit` lists of one organization at once, spaced to `share` of the time while others
/// are being served.
actor TenantListGate {
    /// The most lists of one organization in progress at once.
    let limit: Int
    /// The share of time one organization's lists may take while others are served (1: no spacing).
    let share: Double
    /// The longest a list slot is held after its list, whatever the list took.
    let longestPause: Duration
    /// When each organization was last served (noted by the identity check).
    nonisolated let requests: RecentRequests
    private var running: [String: Int] = [:]
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]

    init(limit: Int, share: Double = 1, longestPause: Duration = .seconds(2), requests: RecentRequests = RecentRequests()) {
        self.limit = max(1, limit)
        self.share = min(1, max(0.01, share))
        self.longestPause = longestPause
        self.requests = requests
    }

    /// Runs `work` when fewer than `limit` lists of `orgId` are in progress or pausing.
    nonisolated func run<T: Sendable>(_ orgId: String, _ work: @Sendable () async throws -> T) async throws -> T {
        await enter(orgId)
        let started = ContinuousClock.now
        let result: Result<T, any Error>
        do {
            result = .success(try await work())
        } catch {
            result = .failure(error)
        }
        // While others are served the slot stays taken a while after the answer: the list took
        // `share` of the time, its organization waits out the rest before its next list.
        let pause = pause(after: ContinuousClock.now - started, orgId)
        if pause > .zero {
            Task {
                try? await Task.sleep(for: pause)
                await leave(orgId)
            }
        } else {
            await leave(orgId)
        }
        return try result.get()
    }

    /// How long `orgId`'s slot stays taken after a list that took `elapsed`.
    nonisolated func pause(after elapsed: Duration, _ orgId: String) -> Duration {
        guard share < 1, requests.othersThan(orgId) else { return .zero }
        return min(elapsed * ((1 - share) / share), longestPause)
    }

    private func enter(_ orgId: String) async {
        if running[orgId, default: 0] < limit {
            running[orgId, default: 0] += 1
            return
        }
        // The slot is handed over by `leave`, so the count already includes this list.
        await withCheckedContinuation { waiting[orgId, default: []].append($0) }
    }

    private func leave(_ orgId: String) {
        if var queue = waiting[orgId], !queue.isEmpty {
            let next = queue.removeFirst()
            waiting[orgId] = queue.isEmpty ? nil : queue
            next.resume()
        } else {
            running[orgId, default: 1] -= 1
            if running[orgId] == 0 { running[orgId] = nil }
        }
    }

    /// How many lists of `orgId` are in progress (or pausing) and waiting (for tests).
    func load(_ orgId: String) -> (running: Int, waiting: Int) {
        (running[orgId, default: 0], waiting[orgId]?.count ?? 0)
    }
}

/// When each organization was last served: a list spaces itself out only while others are.
final class RecentRequests: Sendable {
    /// How recent a request must be for its organization to count as being served.
    let window: Duration
    private let lastSeen = Mutex<[String: ContinuousClock.Instant]>([:])

    init(window: Duration = .seconds(1)) {
        self.window = window
    }

    /// Notes a request of `orgId`.
    func note(_ orgId: String) {
        let now = ContinuousClock.now
        lastSeen.withLock { $0[orgId] = now }
    }

    /// Whether an organization other than `orgId` made a request within `window`; forgets
    /// organizations not seen within it.
    func othersThan(_ orgId: String) -> Bool {
        let since = ContinuousClock.now - window
        return lastSeen.withLock { lastSeen in
            lastSeen = lastSeen.filter { $0.value >= since }
            return lastSeen.keys.contains { $0 != orgId }
        }
    }
}
