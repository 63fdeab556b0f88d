// A real process killed (SIGKILL) between writing and committing a batch: after the restart's
// recovery nothing of it is visible and a later batch succeeds.
import DataLake
import FlowModel
import Foundation
import Parquet
import TestSupport
import Testing

@Suite("A writer killed before its commit")
struct KilledWriterTests {
    /// The helper built next to the test bundle (`swift build --build-tests` builds it).
    static var helper: URL? {
        let candidates =
            [Bundle.main.bundleURL.deletingLastPathComponent(), URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
            + Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
        return candidates.map { $0.appendingPathComponent("lake-writer") }.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    @Test(.enabled(if: helper != nil, "the lake-writer helper is not built: run swift build --build-tests"))
    func nothingOfAKilledBatchIsVisibleAndALaterBatchSucceeds() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("killed-\(UUID().uuidString)")
        let lake = try DataLake(root: root)
        let scope = TenantScope(orgId: "0123456789ABCDEF01234567@AdobeOrg", sandboxName: "prod", sandboxId: "s")
        let schema = try DatasetSchema([DatasetField("id", .long, nullable: false), DatasetField("label", .string)])
        let dataset = try lake.createDataset(name: "events", description: nil, schema: schema, schemaRef: nil, in: scope, now: 1)

        let process = Process()
        process.executableURL = Self.helper!
        process.arguments = [root.path, scope.orgId, scope.sandboxName, dataset.id, "200000"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        // Wait until the helper has written its rows (it then waits forever, never committing).
        let said = await process.firstLine(of: output)
        #expect(said.hasPrefix("written "), "\(said)")
        let batchId = String(said.dropFirst("written ".count)).trimmingCharacters(in: .whitespacesAndNewlines)
        let staging = root.appendingPathComponent("\(scope.orgId)/prod/\(dataset.id)/_staging/\(batchId)")
        #expect(FileManager.default.fileExists(atPath: staging.appendingPathComponent("part-00000.parquet").path))
        kill(process.processIdentifier, SIGKILL)
        await process.exited()
        #expect(process.terminationReason == .uncaughtSignal)

        // The service starts again.
        let restarted = try DataLake(root: root)
        let recovered = try restarted.recoverInterruptedBatches(now: 100)
        #expect(recovered.map(\.id) == [batchId])
        #expect(try restarted.batch(batchId, in: scope)?.status == .failed)
        let batches = root.appendingPathComponent("\(scope.orgId)/prod/\(dataset.id)/batches")
        #expect(((try? FileManager.default.subpathsOfDirectory(atPath: batches.path)) ?? []).isEmpty, "nothing visible")
        #expect(!FileManager.default.fileExists(atPath: staging.path))

        let next = try restarted.openBatch(on: dataset.id, in: scope, now: 200)
        try next.write([ParquetColumn(.int64([1, 2])), ParquetColumn(.string(["a", "b"]))])
        let record = try next.commit(now: 201)
        #expect(record.status == .success && record.rowCount == 2)
        #expect(
            try FileManager.default.subpathsOfDirectory(atPath: batches.path).filter { $0.hasSuffix(".parquet") } == [
                "\(record.id)/part-00000.parquet"
            ]
        )
    }
}
