// `tributary runs follow <id>`: a run's progress, live, from the data directory of a running (or
// stopped) service — a bar while the source's row count is known, the counters, the status — until
// the run ends. Exit status 0 for success or partial success, 1 for failure.
import ArgumentParser
import FlowModel
import FlowServer
import FlowStore
import Foundation

struct Runs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "Dataflow runs.", subcommands: [Follow.self])

    struct Follow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a run's progress until it ends.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The run id.") var runId: String
        @Option(help: "Seconds between updates.") var interval: Double = 1

        func run() async throws {
            guard interval >= 0.1, interval <= 3600 else { throw ValidationError("--interval must be between 0.1 and 3600 seconds") }
            let services = try await common.services()
            let terminal = isatty(STDOUT_FILENO) == 1
            var lastLine = ""
            while true {
                guard let run = try await Self.find(runId, in: services.storage) else {
                    throw ValidationError("no run \(runId) in this data directory")
                }
                let line = Self.line(run)
                if line != lastLine {
                    FileHandle.standardOutput.write(Data((terminal ? "\r\u{1B}[2K" + line : line + "\n").utf8))
                    lastLine = line
                }
                if run.status.isFinal {
                    if terminal { print("") }
                    for issue in run.errors { print("  error \(issue.code): \(issue.message)") }
                    for issue in run.warnings { print("  warning \(issue.code): \(issue.message)") }
                    if run.status == .failed { throw ExitCode(1) }
                    return
                }
                try await Task.sleep(for: .milliseconds(Int(interval * 1000)))
            }
        }

        /// The run with `id` in whichever organization and sandbox holds it.
        static func find(_ id: String, in storage: any FlowStorage) async throws -> FlowRun? {
            for organization in try await storage.organizations() {
                for sandbox in try await storage.sandboxes(orgId: organization.id) {
                    let scope = TenantScope(orgId: organization.id, sandboxName: sandbox.name, sandboxId: sandbox.id)
                    if let resource = try await storage.resource(.runs, id: id, in: scope) { return try FlowRun(body: resource.body) }
                }
            }
            return nil
        }

        /// `[#########-----------]  45%  45,000/100,000 rows  44,990 written  10 failed  chunk 3  inProgress`
        static func line(_ run: FlowRun) -> String {
            var parts: [String] = []
            if let expected = run.rowsExpected, expected > 0 {
                let share = min(1, Double(run.rowsRead) / Double(expected))
                let filled = Int((share * 30).rounded(.down))
                parts.append("[" + String(repeating: "#", count: filled) + String(repeating: "-", count: 30 - filled) + "]")
                parts.append(String(format: "%3.0f%%", share * 100))
                parts.append("\(run.rowsRead.formatted())/\(expected.formatted()) rows")
            } else {
                parts.append("\(run.rowsRead.formatted()) rows read")
            }
            parts.append("\(run.rowsWritten.formatted()) written")
            if run.rowsFailed > 0 { parts.append("\(run.rowsFailed.formatted()) failed") }
            if run.chunksCommitted > 0 { parts.append("\(run.chunksCommitted) chunk\(run.chunksCommitted == 1 ? "" : "s") committed") }
            if run.attempt > 1 { parts.append("attempt \(run.attempt)") }
            parts.append(run.status.rawValue)
            return parts.joined(separator: "  ")
        }
    }
}
