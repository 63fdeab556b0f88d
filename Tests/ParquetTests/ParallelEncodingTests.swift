// Columns encoded and compressed on several threads make the same file, byte for byte, as on one:
// every codec, several row groups and pages, NULLs, dictionaries that outgrow their limit, batches
// too small to be handed out.
import Foundation
import TestSupport
import Testing

@testable import Parquet

@Suite("Parallel column encoding")
struct ParallelEncodingTests {
    /// The file's bytes, written off the cooperative pool (seconds of CPU: other suites' tasks must not wait for them).
    static func bytes(rows: Int, batchSize: Int, threads: Int, codec: ParquetCompression) async throws -> [UInt8] {
        try await offThePool { try write(rows: rows, batchSize: batchSize, threads: threads, codec: codec) }
    }

    static func write(rows: Int, batchSize: Int, threads: Int, codec: ParquetCompression) throws -> [UInt8] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("parallel-\(UUID().uuidString).parquet").path
        defer { unlink(path) }
        var options = ParquetWriterOptions()
        options.compression = codec
        options.encodingThreads = threads
        // Small row groups and pages, and a dictionary that stops part-way: every path of the builder.
        options.rowGroupBytes = 256 << 10
        options.pageBytes = 64 << 10
        options.dictionaryBytes = 16 << 10
        options.synchronizeOnClose = false
        _ = try GeneratedTable.write(to: path, rows: rows, batchSize: batchSize, options: options)
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test(arguments: ParquetCompression.allCases)
    func severalThreadsWriteTheBytesOneWrites(codec: ParquetCompression) async throws {
        try codec.checkAvailable()
        for (rows, batchSize) in [(120_000, 30_000), (5_000, 700), (0, 1)] {
            let serial = try await Self.bytes(rows: rows, batchSize: batchSize, threads: 1, codec: codec)
            for threads in [2, 8] {
                let parallel = try await Self.bytes(rows: rows, batchSize: batchSize, threads: threads, codec: codec)
                #expect(
                    parallel == serial,
                    "\(codec.name), \(rows) rows in batches of \(batchSize), \(threads) threads: \(parallel.count) bytes against \(serial.count)"
                )
            }
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("parallel-\(UUID().uuidString).parquet").path
        defer { unlink(file) }
        var options = ParquetWriterOptions()
        options.compression = codec
        options.encodingThreads = 4
        options.rowGroupBytes = 256 << 10
        let (summary, passes) = try await offThePool { [options] in
            let writer = try ParquetFileWriter(path: file, schema: GeneratedTable.schema, options: options)
            for start in stride(from: 0, to: 120_000, by: 30_000) { try writer.write(GeneratedTable.batch(from: start, count: 30_000)) }
            return (try writer.close(), writer.parallelPasses)
        }
        let info = try ParquetFileInfo.read(path: file)
        #expect(summary.rowGroupCount > 1 && info.rowCount == 120_000 && info.rowGroupRowCounts.reduce(0, +) == 120_000)
        // The files above compared equal because the columns were indeed handed out to threads.
        #expect(passes >= 4, "every batch and row group's last pages were spread over the threads: \(passes)")
    }
}
