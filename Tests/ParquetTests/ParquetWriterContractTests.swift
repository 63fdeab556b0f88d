// What the writer promises besides the bytes: bad batches are refused whole, files are never
// overwritten, an aborted file is gone, memory stays flat in the number of rows, and a footer that
// is not Parquet is an error, never a crash.
import Foundation
import Parquet
import TestSupport
import Testing

/// The Parquet benchmark's executable next to the test bundle (built by `swift build --build-tests`).
let parquetBenchmark: URL? = {
    let candidates =
        [Bundle.main.bundleURL.deletingLastPathComponent(), URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        + Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
    return candidates.map { $0.appendingPathComponent("parquet-benchmark") }.first { FileManager.default.isExecutableFile(atPath: $0.path) }
}()

@Suite("Parquet writer contract")
struct ParquetWriterContractTests {
    @Test func batchesThatDoNotFitTheSchemaAreRefusedWhole() throws {
        let directory = try temporaryDirectory()
        let path = directory.appendingPathComponent("strict.parquet").path
        let schema = try ParquetSchema([
            ParquetField("id", .int64, nullable: false), ParquetField("small", .int8), ParquetField("money", .decimal(precision: 5, scale: 2)),
        ])
        let writer = try ParquetFileWriter(path: path, schema: schema)
        let good = [ParquetColumn(.int64([1])), ParquetColumn(.int32([1])), ParquetColumn(.int32([12345]))]
        let bad: [(String, [ParquetColumn])] = [
            ("missing column", Array(good.prefix(2))),
            ("wrong type", [ParquetColumn(.string(["1"])), good[1], good[2]]),
            ("null in a required column", [ParquetColumn(.int64([1]), nulls: [true]), good[1], good[2]]),
            ("int8 out of range", [good[0], ParquetColumn(.int32([200])), good[2]]),
            ("decimal with too many digits", [good[0], good[1], ParquetColumn(.int32([123456]))]),
            ("ragged columns", [ParquetColumn(.int64([1, 2])), good[1], good[2]]),
            ("null flags of another length", [good[0], ParquetColumn(.int32([1]), nulls: [false, true]), good[2]]),
        ]
        for (reason, batch) in bad {
            #expect(throws: ParquetError.self, "\(reason)") { try writer.write(batch) }
        }
        // A null where the value would be out of range is fine: nulls are not values.
        try writer.write([ParquetColumn(.int64([2])), ParquetColumn(.int32([999]), nulls: [true]), ParquetColumn(.int32([-99999]))])
        try writer.write(good)
        #expect(try writer.close().rowCount == 2)
        #expect(try ParquetFileInfo.read(path: path).rowCount == 2)
        #expect(throws: ParquetError.self) { try writer.write(good) }
    }

    @Test func filesAreNeverOverwrittenAndAbortedFilesDisappear() throws {
        let directory = try temporaryDirectory()
        let path = directory.appendingPathComponent("once.parquet").path
        _ = try GeneratedTable.write(to: path, rows: 10)
        #expect(throws: ParquetError.self) { try ParquetFileWriter(path: path, schema: GeneratedTable.schema) }
        #expect(try ParquetFileInfo.read(path: path).rowCount == 10)

        let aborted = directory.appendingPathComponent("aborted.parquet").path
        let writer = try ParquetFileWriter(path: aborted, schema: GeneratedTable.schema)
        try writer.write(GeneratedTable.batch(from: 0, count: 100))
        writer.abort()
        #expect(!FileManager.default.fileExists(atPath: aborted))
        #expect(throws: ParquetError.self) { try writer.close() }
    }

    @Test func footersThatAreNotParquetAreErrors() throws {
        let directory = try temporaryDirectory()
        func file(_ bytes: [UInt8]) throws -> String {
            let path = directory.appendingPathComponent(UUID().uuidString).path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return path
        }
        let valid = directory.appendingPathComponent("valid.parquet").path
        _ = try GeneratedTable.write(to: valid, rows: 100)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: valid)))
        let footerLength = Int(bytes[bytes.count - 8]) | Int(bytes[bytes.count - 7]) << 8
        var hostile: [[UInt8]] = [[], Array("PAR1".utf8), Array("PAR1PAR1PAR1".utf8), Array(bytes.dropLast(1))]
        var huge = bytes
        huge.replaceSubrange((bytes.count - 8)..<(bytes.count - 4), with: [0xFF, 0xFF, 0xFF, 0x7F])
        hostile.append(huge)
        // Every truncation of the footer's Thrift, with the trailer kept.
        for cut in stride(from: 1, to: footerLength, by: max(1, footerLength / 40)) {
            var truncated = Array(bytes.prefix(bytes.count - 8 - cut))
            truncated.append(contentsOf: bytes.suffix(8))
            hostile.append(truncated)
        }
        // Garbage inside the footer.
        var garbage = bytes
        for index in (bytes.count - 8 - footerLength)..<(bytes.count - 8) where index % 3 == 0 { garbage[index] = 0xEE }
        hostile.append(garbage)
        for content in hostile {
            let path = try file(content)
            #expect(throws: ParquetError.self) { try ParquetFileInfo.read(path: path) }
        }
        #expect(throws: ParquetError.self) { try ParquetFileInfo.read(path: directory.appendingPathComponent("missing").path) }
    }

    /// Measured in a process of its own (the benchmark's executable): in this one, the tests running
    /// beside it allocate too, and once pushed a bound on the process's peak over.
    @Test(.enabled(if: parquetBenchmark != nil, "parquet-benchmark is not built beside the tests: swift build --build-tests"))
    func memoryStaysFlatInTheNumberOfRows() async throws {
        let directory = try temporaryDirectory()
        // Row groups of 8 MiB, batches of 50k rows: the peak is a row group and a batch, not the file.
        func peak(rows: Int) async throws -> (peakMiB: Int, rowGroups: Int) {
            let output = try await runToEnd(
                try #require(parquetBenchmark).path,
                ["\(rows)", "none", "0", directory.appendingPathComponent("flat-\(rows).parquet").path, "8"]
            )
            let line = String(decoding: output.output, as: UTF8.self)
            #expect(output.status == 0, "\(output.errors)")
            func field(_ name: String) -> Int? {
                line.split(separator: " ").first { $0.hasPrefix("\(name)=") }.flatMap {
                    Int($0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespacesAndNewlines))
                }
            }
            return (try #require(field("peak_rss_mib"), "\(line)"), try #require(field("row_groups"), "\(line)"))
        }
        let small = try await peak(rows: 150_000)
        let large = try await peak(rows: 1_500_000)
        #expect(small.rowGroups == 1 && large.rowGroups >= 5, "\(small) \(large)")
        // Ten times the rows, the same peak give or take a row group and the allocator's slack.
        #expect(large.peakMiB - small.peakMiB < 48, "peak RSS \(small.peakMiB) MiB at 150k rows, \(large.peakMiB) MiB at 1.5M")
        #expect(large.peakMiB < 200, "peak RSS \(large.peakMiB) MiB at 1.5M rows")
    }
}
