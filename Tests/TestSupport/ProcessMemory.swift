// The test process's own memory, for tests that hold memory flat in the size of their input.
import Foundation

public enum ProcessMemory {
    /// Peak resident memory of this process so far, in bytes (Linux VmHWM).
    public static func peakResidentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
    }
}
