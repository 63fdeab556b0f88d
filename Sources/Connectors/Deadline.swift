// Every interactive source call has a deadline: when it passes, the work is cancelled (the driver
// then cancels the statement on the server) and the caller gets a timeout error.

/// Runs `body`, and fails with ``ConnectorError/Reason/timeout`` when it takes longer than `limit`.
func withDeadline<T: Sendable>(
    _ limit: Duration,
    _ what: String,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw ConnectorError(.timeout, "\(what) did not finish within \(limit.components.seconds) s; try again, or check the source's load")
        }
        return value
    }
}
