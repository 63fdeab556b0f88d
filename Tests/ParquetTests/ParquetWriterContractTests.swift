// What the writer promises besides the bytes: bad batches are refused whole, files are never
// overwritten, an aborted file is gone, memory stays flat in the number of rows, and a footer that
// is not Parquet is an error, never a crash.
import Foundation
import Parquet
import TestSupport
import Testing

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

    @Test func memoryStaysFlatInTheNumberOfRows() async throws {
        let directory = try temporaryDirectory()
        var options = ParquetWriterOptions()
        options.rowGroupBytes = 8 << 20
        let path = directory.appendingPathComponent("flat.parquet").path
        let (summary, growth) = try await ProcessMemory.peakGrowth {
            try GeneratedTable.write(to: path, rows: 1_500_000, batchSize: 20_000, options: options)
        }
        #expect(summary.rowGroupCount >= 3)
        // Row groups of 8 MiB, batches of 20k rows: the peak is a few row groups, not the file.
        #expect(growth < 120 << 20, "peak RSS grew by \(growth >> 20) MiB")
        try? FileManager.default.removeItem(atPath: path)
    }
}
