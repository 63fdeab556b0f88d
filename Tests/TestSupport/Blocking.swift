// Blocking work in tests — a subprocess waited for, a pipe read to its end — on a thread of its own.
// Swift Testing runs the suites in parallel on the cooperative pool, which has one thread per core
// (two here): a test that blocks one of them for seconds stalls every other test's continuations,
// and a test with a time bound (a refused connection reported within the connect timeout) then
// fails for a reason that is not its own.
import Dispatch

/// Runs `work` on a Dispatch thread and waits for it without holding a cooperative thread.
public func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try work() })
        }
    }
}
