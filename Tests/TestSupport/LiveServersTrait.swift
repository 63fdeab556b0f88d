// `.liveServers`: a trait for the suites that use the live servers. A test that starts after a server
// failed is cancelled, not run against a broken server; the failure itself is recorded once in the
// whole run, as an issue naming the server, the reason and its last log lines.
import Synchronization
import Testing

public struct LiveServersTrait: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        if let failure = LiveServers.failure() {
            Self.reportOnce(failure)
            try Test.cancel(Comment(rawValue: "not run: \(failure.headline)"))
        }
        do {
            try await function()
        } catch {
            if let failure = LiveServers.failure() { Self.reportOnce(failure) }
            throw error
        }
        if let failure = LiveServers.failure() { Self.reportOnce(failure) }
    }

    private static let reported = Mutex(false)

    private static func reportOnce(_ failure: LiveServers.Failure) {
        let first = reported.withLock { reported in
            defer { reported = true }
            return !reported
        }
        if first { Issue.record(Comment(rawValue: failure.description)) }
    }
}

extension Trait where Self == LiveServersTrait {
    /// Cancels the tests that would run against a failed live server, and reports that failure once.
    public static var liveServers: Self { Self() }
}
