// Ten million mixed rows written and read back by pyarrow value by value. Slow in a debug build
// (about two minutes), so scripts/test.sh runs it on its own after the rest of the suite
// (TRIBUTARY_LARGE_TESTS=1), where it competes with no timing-sensitive test.
import Foundation
import Parquet
import Testing

@Suite(
    "Ten million rows",
    .enabled(
        if: PyArrow.isAvailable && ProcessInfo.processInfo.environment["TRIBUTARY_LARGE_TESTS"] == "1",
        "set TRIBUTARY_LARGE_TESTS=1 (scripts/test.sh does, in a run of its own)"
    )
)
struct TenMillionRowsTests {
    @Test func tenMillionMixedRowsReadBackIdentically() async throws {
        let directory = try temporaryDirectory()
        let path = directory.appendingPathComponent("ten-million.parquet").path
        let summary = try GeneratedTable.write(to: path, rows: 10_000_000, batchSize: 100_000)
        #expect(summary.rowCount == 10_000_000 && summary.rowGroupCount >= 1)
        let result = try await PyArrow.run(["generated", path, "10000000"])
        #expect(result["ok"] as? Bool == true, "\(result)")
        #expect(try ParquetFileInfo.read(path: path).rowCount == 10_000_000)
        try FileManager.default.removeItem(at: directory)
    }
}
