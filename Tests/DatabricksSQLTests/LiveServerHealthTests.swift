// The live-server watch the live suites rely on (TestSupport): a server is failed when its process is
// gone or its log reports a JVM error, and healthy otherwise, whatever else the log says.
import Foundation
import TestSupport
import Testing

@testable import TestSupport

@Suite("Live server health")
struct LiveServerHealthTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("health-\(UUID().uuidString)")

    func server(pid: Int32) throws -> WatchedServer {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "\(pid)\n".write(to: folder.appendingPathComponent("server.pid"), atomically: true, encoding: .utf8)
        try "12:00:00 WARN DAGScheduler: Failed to cancel job group 1.\n".write(
            to: folder.appendingPathComponent("server.log"),
            atomically: true,
            encoding: .utf8
        )
        return WatchedServer(
            name: "test server",
            pidFile: folder.appendingPathComponent("server.pid"),
            log: folder.appendingPathComponent("server.log"),
            fatalMarkers: ["java.lang.VirtualMachineError", "CodeCache is full"]
        )
    }

    func append(_ text: String) throws {
        let handle = try FileHandle(forWritingTo: folder.appendingPathComponent("server.log"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    @Test func aJVMErrorInTheLogIsAFailureWithTheLogsLastLines() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        var watched = try server(pid: getpid())
        var reported = watched.check()
        #expect(reported == nil, "a live process whose log has warnings only is healthy")
        try append("12:00:01 WARN Executor: java.lang.VirtualMach")
        reported = watched.check()
        #expect(reported == nil, "half a line is read once it is complete")
        try append("ineError: Out of space in CodeCache for adapters\n12:00:02 ERROR after\n")
        reported = watched.check()
        let failure = try #require(reported)
        #expect(failure.reason.contains("java.lang.VirtualMachineError: Out of space in CodeCache for adapters"))
        #expect(failure.logTail.last == "12:00:02 ERROR after" && failure.logTail.count == 3)
        #expect(failure.description.hasPrefix("the test's test server failed: its log says"))
    }

    @Test func aProcessThatExitedIsAFailure() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        await process.exited()
        var watched = try server(pid: process.processIdentifier)
        let reported = watched.check()
        let failure = try #require(reported)
        #expect(failure.reason == "its process \(process.processIdentifier) has exited")
        try FileManager.default.removeItem(at: folder.appendingPathComponent("server.pid"))
        let gone = watched.check()
        #expect(gone?.reason.contains("pid file") == true)
    }
}
