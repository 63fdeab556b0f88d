// One `tributary serve` per data directory: a second one refuses to start and says why, and the
// lock goes with the process that held it.
import FlowServer
import Foundation
import TestSupport
import Testing

@Suite("The data directory lock")
struct DataDirectoryLockTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tributary-lock-\(UUID().uuidString)")

    @Test func aSecondHolderIsRefusedUntilTheFirstLetsGo() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        var first: DataDirectoryLock? = try DataDirectoryLock(directory: directory)
        let refusal = #expect(throws: ConfigurationError.self) { try DataDirectoryLock(directory: directory) }
        #expect(refusal?.description.contains("another tributary serve (pid \(getpid())) is using the data directory") == true)
        withExtendedLifetime(first) {}
        first = nil
        // The kernel frees the lock once no descriptor of it is open anywhere. Another test of this
        // process spawning a child at this instant gives the child a copy until it execs (O_CLOEXEC
        // closes it then): CI saw the lock still held right after `first = nil` (the holder named was
        // this process). So the lock must be free again within moments, not at once.
        let deadline = ContinuousClock.now + .seconds(2)
        var again: DataDirectoryLock?
        while again == nil {
            do {
                again = try DataDirectoryLock(directory: directory)
            } catch  where ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        withExtendedLifetime(again) {}
    }

    @Test(.enabled(if: tributaryExecutable != nil, "needs the tributary executable (swift build --build-tests)"))
    func aSecondServiceOnTheSameDirectoryDoesNotStart() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        func serve() throws -> (Process, Pipe) {
            let process = Process()
            process.executableURL = tributaryExecutable
            process.arguments = ["serve", "--data-dir", directory.path, "--port", "0"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            return (process, output)
        }
        let (first, _) = try serve()
        defer {
            first.terminate()
            first.waitUntilExit()
        }
        let lockFile = directory.appendingPathComponent("serve.lock").path
        let deadline = Date().addingTimeInterval(60)
        while (try? String(contentsOfFile: lockFile, encoding: .utf8)) != "\(first.processIdentifier)\n", Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let (second, output) = try serve()
        await second.exited()
        let said = await offThePool { String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
        #expect(second.terminationStatus != 0)
        #expect(said.contains("another tributary serve (pid \(first.processIdentifier)) is using the data directory"), "\(said)")
        #expect(first.isRunning)
        await first.stopAndWait()
    }
}
