// Columns encoded and compressed on several threads make the same file, byte for byte, as on one:
// every codec, several row groups and pages, NULLs, dictionaries that outgrow their limit, batches
// too small to be handed out.
import Foundation
@testable import Parquet
import Testing

@Suite("Parallel column encoding")
struct ParallelEncodingTests {
    static func bytes(rows: Int, batchSize: Int, threads: Int, codec: ParquetCompression) throws -> [UInt8] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("parallel-\(UUID().uuidString).parquet").path
        defer { unlink(path) }
        var options = ParquetWriterOptions()
        options.compression = codec
        options.encodingThreads = threads
        // Small row groups and pages, and a dictionary that stops part-way: every path of the builder.
        options.rowGroupBytes = 2 << 20
        options.pageBytes = 64 << 10
        options.dictionaryBytes = 16 << 10
        options.synchronizeOnClose = false
        _ = try GeneratedTable.write(to: path, rows: rows, batchSize: batchSize, options: options)
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test(arguments: ParquetCompression.allCases)
    func severalThreadsWriteTheBytesOneWrites(codec: ParquetCompression) throws {
        try codec.checkAvailable()
        for (rows, batchSize) in [(300_000, 40_000), (5_000, 700), (0, 1)] {
            let serial = try Self.bytes(rows: rows, batchSize: batchSize, threads: 1, codec: codec)
            for threads in [2, 3, 8] {
                let parallel = try Self.bytes(rows: rows, batchSize: batchSize, threads: threads, codec: codec)
                #expect(parallel == serial, "\(codec.name), \(rows) rows in batches of \(batchSize), \(threads) threads: \(parallel.count) bytes against \(serial.count)")
            }
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("parallel-\(UUID().uuidString).parquet").path
        defer { unlink(file) }
        var options = ParquetWriterOptions()
        options.compression = codec
        options.encodingThreads = 4
        options.rowGroupBytes = 2 << 20
        let summary = try GeneratedTable.write(to: file, rows: 300_000, batchSize: 40_000, options: options)
        let info = try ParquetFileInfo.read(path: file)
        #expect(summary.rowGroupCount > 1 && info.rowCount == 300_000 && info.rowGroupRowCounts.reduce(0, +) == 300_000)
    }
}
