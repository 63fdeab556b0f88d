// The servers scripts/test.sh starts for the live suites — the Spark Thrift Server and the
// Databricks-shaped nginx endpoint in front of it — and whether they are still healthy. A server that
// died or reported a JVM error is reported once, with its last log lines, instead of as many unrelated
// assertion failures in the tests that ran after it (see LiveServersTrait).
import Foundation
import Synchronization

public enum LiveServers {
    static let environment = ProcessInfo.processInfo.environment
    /// The Spark Thrift Server's state folder (thrift.pid, thrift.log): TRIBUTARY_SPARK_STATE_DIR.
    public static let sparkStateDirectory = environment["TRIBUTARY_SPARK_STATE_DIR"].map(URL.init(fileURLWithPath:))
    /// The Spark Connect port of the test Spark (TRIBUTARY_SPARK_CONNECT_URL, sc://host:port), 15002 when unset.
    public static let sparkConnectPort =
        environment["TRIBUTARY_SPARK_CONNECT_URL"].flatMap { $0.split(separator: ":").last.flatMap { Int($0) } } ?? 15002
    /// The Databricks-shaped endpoint's folder (token, ca.pem, clusters/, logs/): TRIBUTARY_DATABRICKS_ENDPOINT_DIR.
    public static let databricksEndpointDirectory = environment["TRIBUTARY_DATABRICKS_ENDPOINT_DIR"].map(URL.init(fileURLWithPath:))

    /// A server that stopped being usable: which, why, and the end of its log.
    public struct Failure: Sendable, CustomStringConvertible {
        public var server: String
        public var reason: String
        public var logTail: [String]

        public var headline: String { "the test's \(server) failed: \(reason)" }
        public var description: String {
            ([headline, "its last log lines:"] + logTail.map { "  \($0)" }).joined(separator: "\n")
        }
    }

    /// The first failure seen of any live server, or nil while all are healthy (or none is configured).
    /// Once seen, a failure stays: a server that reported a JVM error is not trusted again in this run.
    public static func failure() -> Failure? {
        monitor.withLock { state in
            if let failure = state.failure { return failure }
            for index in state.watched.indices {
                if let failure = state.watched[index].check() {
                    state.failure = failure
                    return failure
                }
            }
            return nil
        }
    }

    private struct State: Sendable {
        var watched: [WatchedServer]
        var failure: Failure?
    }

    private static let monitor = Mutex(
        State(
            watched: [
                sparkStateDirectory.map {
                    WatchedServer(
                        name: "Spark Thrift Server",
                        pidFile: $0.appendingPathComponent("thrift.pid"),
                        log: $0.appendingPathComponent("thrift.log"),
                        // JVM errors: the server's answers are not to be trusted after one of these.
                        fatalMarkers: [
                            "java.lang.VirtualMachineError", "java.lang.OutOfMemoryError", "java.lang.InternalError", "java.lang.StackOverflowError",
                            "CodeCache is full", "Out of space in CodeCache", "A fatal error has been detected by the Java Runtime Environment",
                        ]
                    )
                },
                databricksEndpointDirectory.map {
                    WatchedServer(
                        name: "Databricks-shaped endpoint (nginx)",
                        pidFile: $0.appendingPathComponent("nginx.pid"),
                        log: $0.appendingPathComponent("logs/error.log"),
                        fatalMarkers: ["[emerg]", "[alert]", "[crit]"]
                    )
                },
            ].compactMap { $0 },
            failure: nil
        )
    )
}

/// One server: alive while the process in its pid file is, healthy while its log has none of the
/// fatal markers. The log is read from where the last look stopped.
struct WatchedServer: Sendable {
    var name: String
    var pidFile: URL
    var log: URL
    var fatalMarkers: [String]
    var scannedBytes: UInt64 = 0
    var pendingLine = ""

    mutating func check() -> LiveServers.Failure? {
        if let marker = newLogLines().first(where: { line in fatalMarkers.contains { line.contains($0) } }) {
            return LiveServers.Failure(server: name, reason: "its log says \(marker.trimmingCharacters(in: .whitespaces))", logTail: logTail())
        }
        guard let text = try? String(contentsOf: pidFile, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            return LiveServers.Failure(server: name, reason: "its pid file \(pidFile.path) is gone", logTail: logTail())
        }
        if kill(pid, 0) != 0 && errno == ESRCH {
            return LiveServers.Failure(server: name, reason: "its process \(pid) has exited", logTail: logTail())
        }
        return nil
    }

    /// The complete lines appended to the log since the last call.
    private mutating func newLogLines() -> [String] {
        guard let handle = try? FileHandle(forReadingFrom: log) else { return [] }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: scannedBytes)) != nil, let data = try? handle.readToEnd(), !data.isEmpty else { return [] }
        scannedBytes += UInt64(data.count)
        var lines = (pendingLine + String(decoding: data, as: UTF8.self)).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        pendingLine = lines.removeLast()
        return lines
    }

    private func logTail(_ count: Int = 30) -> [String] {
        guard let data = try? Data(contentsOf: log) else { return ["(\(log.path) cannot be read)"] }
        return String(decoding: data.suffix(64 * 1024), as: UTF8.self).split(separator: "\n").suffix(count).map(String.init)
    }
}
