// Blocking work in tests — a subprocess waited for, a pipe read to its end — on a thread of its own.
// Swift Testing runs the suites in parallel on the cooperative pool, which has one thread per core
// (two here): a test that blocks one of them for seconds stalls every other test's continuations,
// and a test with a time bound (a refused connection reported within the connect timeout) then
// fails for a reason that is not its own.
import Dispatch
import Foundation
import Synchronization

/// Runs `work` on a Dispatch thread and waits for it without holding a cooperative thread.
public func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try work() })
        }
    }
}

/// Runs `work` on a Dispatch thread and waits for it without holding a cooperative thread.
public func offThePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(returning: work()) }
    }
}

/// How a subprocess run to its end ended, and what it wrote.
public struct ProcessOutcome: Sendable {
    /// Its exit status (or the signal that ended it).
    public var status: Int32
    /// Whether it exited or a signal ended it.
    public var reason: Process.TerminationReason
    /// What it wrote to standard output.
    public var output: Data
    /// What it wrote to standard error, as text.
    public var errors: String
}

/// Runs `executable` with `arguments` to its end, off the cooperative pool.
public func runToEnd(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) async throws -> ProcessOutcome {
    try await offThePool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Standard error is drained on another thread: a child that fills one pipe while the other is
        // read would wait forever.
        let errorText = Mutex("")
        let drained = DispatchGroup()
        drained.enter()
        DispatchQueue.global().async {
            errorText.withLock { $0 = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
            drained.leave()
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        process.waitUntilExit()
        return ProcessOutcome(status: process.terminationStatus, reason: process.terminationReason, output: data, errors: errorText.withLock { $0 })
    }
}

extension Process {
    /// Waits for the process to exit without holding a cooperative thread.
    public func exited() async {
        nonisolated(unsafe) let process = self
        await offThePool { process.waitUntilExit() }
    }

    /// Asks the process to stop (SIGTERM) if it still runs and waits for it, off the cooperative pool.
    public func stopAndWait() async {
        guard isRunning else { return }
        terminate()
        await exited()
    }

    /// The first line the process writes to `pipe` (its standard output), read off the cooperative
    /// pool; empty when it closes the pipe first.
    public func firstLine(of pipe: Pipe) async -> String {
        await offThePool {
            var line = Data()
            while !line.contains(UInt8(ascii: "\n")) {
                let chunk = pipe.fileHandleForReading.availableData
                guard !chunk.isEmpty else { break }
                line.append(chunk)
            }
            return String(decoding: line, as: UTF8.self)
        }
    }
}
