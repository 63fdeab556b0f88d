// Seeds a store with finished runs of many flows, for the list benchmarks (Benchmarks/api/runs.sh):
// straight into the store the service uses (TRIBUTARY_DATABASE_URL, else the SQLite file of
// TRIBUTARY_DATA_DIR), a thousand runs a transaction.
// Usage: store-seed RUNS FLOWS ORG_ID [SANDBOX]   (prints the id of one flow whose runs it made)
import Crypto
import FlowModel
import FlowStore
import Foundation
import Logging

let arguments = CommandLine.arguments
guard arguments.count >= 4, let runs = Int(arguments[1]), let flows = Int(arguments[2]), runs > 0, flows > 0 else {
    FileHandle.standardError.write(Data("usage: store-seed RUNS FLOWS ORG_ID [SANDBOX]\n".utf8))
    exit(2)
}
let scope = TenantScope(orgId: arguments[3], sandboxName: arguments.count > 4 ? arguments[4] : "prod", sandboxId: "")
let environment = ProcessInfo.processInfo.environment
let sealer = SecretSealer(key: SymmetricKey(size: .bits256))  // runs hold no secrets
let storage: any FlowStorage
if let url = environment["TRIBUTARY_DATABASE_URL"] {
    storage = try await PostgresFlowStorage.open(try PostgresSettings(url: url), sealer: sealer, logger: Logger(label: "store-seed"))
} else {
    let directory = environment["TRIBUTARY_DATA_DIR"] ?? ".tributary"
    storage = try SQLiteFlowStorage(path: URL(fileURLWithPath: directory).appendingPathComponent("tributary.sqlite").path, sealer: sealer)
}
let caller = Caller(clientId: "store-seed", scope: scope)
let flowIds = (0..<flows).map { _ in UUID().uuidString.lowercased() }
let start = Int64(Date().timeIntervalSince1970 * 1000) - Int64(runs) * 1000
let began = Date()
for batch in stride(from: 0, to: runs, by: 1000) {
    var changes: [ResourceChange] = []
    for index in batch..<min(batch + 1000, runs) {
        let at = start + Int64(index) * 1000
        var run = FlowRun(
            flowId: flowIds[index % flows],
            mode: .incremental,
            trigger: "scheduled",
            scheduledAt: at,
            windowStart: at - 900_000,
            windowEnd: at,
            sourceConnectionId: "source",
            targetConnectionId: "target"
        )
        run.status = .success
        run.startedAt = at
        run.completedAt = at + 500
        run.rowsRead = Int64(index % 977)
        run.rowsWritten = run.rowsRead
        changes.append(
            .insert(
                FlowResource(kind: .runs, metadata: ResourceMetadata(id: UUID().uuidString.lowercased(), caller: caller, now: at), body: run.body)
            )
        )
    }
    guard try await storage.apply(changes) else { fatalError("a seed transaction did not apply") }
}
FileHandle.standardError.write(Data("seeded \(runs) runs of \(flows) flows in \(Int(Date().timeIntervalSince(began))) s\n".utf8))
print(flowIds[0])
if let postgres = storage as? PostgresFlowStorage { await postgres.close() }
