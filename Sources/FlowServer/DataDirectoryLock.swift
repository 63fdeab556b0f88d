// One `tributary serve` per data directory: the service keeps resources in memory and recovers
// interrupted runs and batches at start, both of which assume no other service writes the same
// store and lake. The lock is the kernel's (flock), so it goes away with the process, however it ends.
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on a data directory, held until released or the process ends.
public final class DataDirectoryLock: Sendable {
    private let descriptor: Int32

    /// Takes the lock on `directory` (created when missing), or throws when another process holds it.
    public init(directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let path = directory.appendingPathComponent("serve.lock").path
        let descriptor = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw ConfigurationError("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(descriptor)
            throw ConfigurationError(
                "another tributary serve\(holder.isEmpty ? "" : " (pid \(holder))") is using the data directory \(directory.path); "
                    + "one service per data directory (stop it, or give this one another TRIBUTARY_DATA_DIR)"
            )
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }
}
