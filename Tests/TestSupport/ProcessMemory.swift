// The test process's own memory, for tests that hold memory flat in the size of their input. The
// suites run in parallel in one process, so such a test measures alone: `peakGrowth(during:)` waits
// its turn among the others that measure (or spend hundreds of MiB), resets the process's peak and
// reports how far it rose over the resident size at the start.
import Foundation

public enum ProcessMemory {
    /// Peak resident memory of this process so far, in bytes (Linux VmHWM).
    public static func peakResidentBytes() -> Int { status("VmHWM:") }

    /// Resident memory of this process now, in bytes (Linux VmRSS).
    public static func residentBytes() -> Int { status("VmRSS:") }

    /// Runs `body` while no other such test runs, and returns its result with the growth of the
    /// peak resident memory over the resident memory when it began.
    public static func peakGrowth<T>(during body: () async throws -> T) async throws -> (result: T, growth: Int) {
        await gate.enter()
        resetPeak()
        // Where the peak could not be reset, growth counts from the old peak (an underestimate).
        let start = max(residentBytes(), peakResidentBytes())
        do {
            let result = try await body()
            let growth = peakResidentBytes() - start
            await gate.leave()
            return (result, growth)
        } catch {
            await gate.leave()
            throw error
        }
    }

    /// Sets the peak (VmHWM) back to the resident size (Linux: "5" to /proc/self/clear_refs).
    static func resetPeak() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    private static func status(_ key: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key) })
        else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
    }

    private static let gate = Gate()

    /// One at a time, in the order they came.
    private actor Gate {
        private var busy = false
        private var waiting: [CheckedContinuation<Void, Never>] = []

        func enter() async {
            guard busy else {
                busy = true
                return
            }
            await withCheckedContinuation { waiting.append($0) }
        }

        func leave() {
            if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
        }
    }
}
