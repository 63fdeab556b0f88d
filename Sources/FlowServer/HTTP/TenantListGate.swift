// Lists of one organization run a few at a time: a list costs what its page holds (up to 1,000
// records to read and write), so an organization pulling pages from many clients at once would
// take every core from the others. Its further lists wait their turn, in order; other
// organizations' calls never wait for it.

/// At most `limit` lists of one organization at once.
actor TenantListGate {
    /// The most lists of one organization in progress at once.
    let limit: Int
    private var running: [String: Int] = [:]
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Runs `work` when fewer than `limit` lists of `orgId` are in progress.
    nonisolated func run<T: Sendable>(_ orgId: String, _ work: @Sendable () async throws -> T) async throws -> T {
        await enter(orgId)
        do {
            let value = try await work()
            await leave(orgId)
            return value
        } catch {
            await leave(orgId)
            throw error
        }
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

    /// How many lists of `orgId` are in progress and waiting (for tests).
    func load(_ orgId: String) -> (running: Int, waiting: Int) {
        (running[orgId, default: 0], waiting[orgId]?.count ?? 0)
    }
}
