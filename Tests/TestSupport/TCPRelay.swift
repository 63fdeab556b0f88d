// scripts/tcp-relay.py in front of a test server: a connection to cut mid-stream.
import Foundation

public struct TCPRelay {
    let process: Process
    /// The port it listens on.
    public let port: Int

    /// Whether it still runs.
    public var isRunning: Bool { process.isRunning }

    /// Stops it at once (SIGKILL: a test process may leave SIGTERM ignored for its children), then waits.
    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Starts the relay to `target` (cutting its first connection after `cutAfterBytes` from the
    /// server, when given). Its output goes nowhere but its port: a child holding the test's own
    /// stderr open would keep `swift test` waiting for it.
    public static func start(target: Int, cutAfterBytes: Int? = nil) async throws -> TCPRelay {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        let relay = Process()
        relay.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        relay.arguments =
            ["python3", root.appendingPathComponent("scripts/tcp-relay.py").path, String(target)] + (cutAfterBytes.map { [String($0)] } ?? [])
        let output = Pipe()
        relay.standardOutput = output
        relay.standardError = FileHandle.nullDevice
        try relay.run()
        let line = await relay.firstLine(of: output)
        guard let port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            relay.terminate()
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "scripts/tcp-relay.py did not start"])
        }
        return TCPRelay(process: relay, port: port)
    }
}
