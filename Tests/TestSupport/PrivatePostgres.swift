// A PostgreSQL server of one test's own — scripts/postgres/start.sh in a folder and on a port of its
// own — that the test may stop (as a crash would: immediate) and start again with its data, while
// the other tests keep the shared server.
import Foundation

public struct PrivatePostgres: Sendable {
    /// The folder the server lives in.
    public let home: URL
    /// Its port.
    public let port: Int
    /// Its URL (trust authentication on loopback, database `tributary`).
    public let url: String

    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/postgres").standardized

    /// Makes and starts a new server.
    public static func start() async throws -> PrivatePostgres {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("tributary-postgres-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        let port = try freePort()
        try await run("start.sh", home: home, port: port)
        let url = try String(contentsOf: home.appendingPathComponent("postgres/url"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return PrivatePostgres(home: home, port: port, url: url)
    }

    /// Stops the server at once, as a crash would (every commit is kept: the server waits for its WAL).
    public func stop() async throws { try await Self.run("stop.sh", home: home, port: port) }

    /// Starts the stopped server again, with its data.
    public func restart() async throws { try await Self.run("start.sh", home: home, port: port, keep: true) }

    /// Stops the server and removes its folder (blocking: for a `defer`; the stop is immediate).
    public func remove() {
        try? Self.runBlocking("stop.sh", home: home, port: port)
        try? FileManager.default.removeItem(at: home)
    }

    /// Runs a script of scripts/postgres for this server, waited for off the cooperative pool (initdb
    /// and a start take seconds).
    private static func run(_ script: String, home: URL, port: Int, keep: Bool = false) async throws {
        try await offThePool { try runBlocking(script, home: home, port: port, keep: keep) }
    }

    private static func runBlocking(_ script: String, home: URL, port: Int, keep: Bool = false) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [scripts.appendingPathComponent(script).path]
        var environment = ProcessInfo.processInfo.environment
        environment["TRIBUTARY_TEST_HOME"] = home.path
        environment["POSTGRES_PORT"] = String(port)
        environment["POSTGRES_KEEP"] = keep ? "1" : "0"
        environment["POSTGRES_DURABLE"] = "1"
        process.environment = environment
        // A file, not a pipe: the server the script starts would hold a pipe open (it inherits the
        // descriptor), and reading it to its end would wait for the server to stop.
        let log = home.appendingPathComponent("\(script).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)  // FileHandle says if it is not there
        let output = try FileHandle(forWritingTo: log)
        defer { try? output.close() }
        process.standardOutput = output
        process.standardError = output
        try process.run()
        process.waitUntilExit()
        let said = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            throw PrivatePostgresError(description: "scripts/postgres/\(script) failed (\(process.terminationStatus)): \(said)")
        }
    }

    /// A port no one listens on now: the kernel's choice for a socket bound to port 0.
    static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw PrivatePostgresError(description: "no socket") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw PrivatePostgresError(description: "no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

struct PrivatePostgresError: Error, CustomStringConvertible {
    var description: String
}
