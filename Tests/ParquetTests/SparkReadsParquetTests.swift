// The live Spark Thrift Server reading files this writer made (a table over their folder), and
// the footer reader reading files Spark made.
import DatabricksSQL
import Foundation
import Parquet
import TestSupport
import Testing

@Suite(
    "Parquet files and Spark",
    .serialized,
    .enabled(
        if: ProcessInfo.processInfo.environment["TRIBUTARY_SPARK_THRIFT_URL"] != nil,
        "TRIBUTARY_SPARK_THRIFT_URL is not set: run scripts/test.sh"
    ),
    .liveServers
)
struct SparkReadsParquetTests {
    static func client() throws -> DatabricksSQLClient {
        let url = URL(string: ProcessInfo.processInfo.environment["TRIBUTARY_SPARK_THRIFT_URL"]!)!
        return DatabricksSQLClient(endpoint: try .sparkThriftServer(url: url, username: "tributary", password: "x"))
    }

    static func query(_ statements: [String]) async throws -> [[SQLValue]] {
        try await client().withSession { session in
            var last: [[SQLValue]] = []
            for statement in statements { last = try await session.execute(statement).rows() }
            return last
        }
    }

    @Test func sparkSelectsEveryTypeFromOurFiles() async throws {
        let directory = try temporaryDirectory().appendingPathComponent("types")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let writer = try ParquetFileWriter(path: directory.appendingPathComponent("part-0.parquet").path, schema: ParquetRoundTripTests.everyType)
        try writer.write(ParquetRoundTripTests.everyTypeBatch())
        try writer.close()
        let table = "parquet_types_\(UUID().uuidString.prefix(8).lowercased())"
        let rows = try await Self.query([
            "CREATE TABLE default.\(table) USING parquet LOCATION '\(directory.path)'",
            "SELECT b, i8, i16, i32, i64, f, d, s, bin, CAST(d9 AS STRING), CAST(d18 AS STRING), CAST(d38 AS STRING), CAST(day AS STRING), ts, req FROM default.\(table) ORDER BY req",
        ])
        #expect(rows.count == 4)
        #expect(
            rows[0][0] == .bool(true) && rows[0][1] == .int8(-128) && rows[0][2] == .int16(-32768) && rows[0][3] == .int32(.min)
                && rows[0][4] == .int64(.min)
        )
        #expect(rows[0][7] == .string("ünï'cødé 🚀") && rows[0][8] == .binary([0, 255]))
        #expect(rows[0][9] == .string("-9999999.99") && rows[0][10] == .string("-99999999999999.9999"))
        #expect(rows[0][11] == .string("-9999999999999999999999999999.9999999999"))
        #expect(rows[0][12] == .string("0001-01-01") && rows[1][12] == .string("9999-12-31") && rows[2][12] == .string("1970-01-01"))
        #expect(rows[0][13] == .timestamp(-62_135_596_800_000_000))
        #expect(rows[2][13] == .timestamp(-1) && rows[1][13] == .timestamp(253_402_300_799_999_999))
        #expect(rows[1][5] == .float(0.1) && rows[2][6].isNaN)
        #expect(rows[3].dropLast().allSatisfy { $0 == .null } && rows[3].last == .int64(4))
        _ = try await Self.query(["DROP TABLE default.\(table)"])
    }

    @Test(arguments: ParquetCompression.allCases)
    func sparkAggregatesALargerFileExactly(_ compression: ParquetCompression) async throws {
        let directory = try temporaryDirectory().appendingPathComponent("generated")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var options = ParquetWriterOptions()
        options.rowGroupBytes = 1 << 20
        options.compression = compression
        _ = try GeneratedTable.write(to: directory.appendingPathComponent("part-0.parquet").path, rows: 120_000, options: options)
        let table = "parquet_\(compression.name.lowercased())_\(UUID().uuidString.prefix(8).lowercased())"
        let rows = try await Self.query([
            "CREATE TABLE default.\(table) USING parquet LOCATION '\(directory.path)'",
            "SELECT count(*), sum(id), count(amount), CAST(sum(price) AS STRING), count(DISTINCT label), count(at), sum(IF(flag, 1, 0)), max(day) FROM default.\(table)",
        ])
        let n = 120_000
        let prices = (0..<n).filter { $0 % 13 != 0 }.reduce(0) { $0 + $1 * 7 - 5000 }
        #expect(rows.first?[0] == .int64(Int64(n)))
        #expect(rows.first?[1] == .int64(Int64(n * (n - 1) / 2)))
        #expect(rows.first?[2] == .int64(Int64((0..<n).filter { $0 % 10 != 3 }.count)))
        #expect(rows.first?[3] == .string(String(format: "%d.%02d", prices / 100, prices % 100)))
        #expect(rows.first?[4] == .int64(1000) && rows.first?[5] == .int64(Int64((0..<n).filter { $0 % 11 != 0 }.count)))
        #expect(rows.first?[6] == .int64(Int64((n + 2) / 3)))
        _ = try await Self.query(["DROP TABLE default.\(table)"])
    }

    @Test func theFooterReaderReadsSparksFiles() async throws {
        let directory = try temporaryDirectory().appendingPathComponent("spark-written")
        _ = try await Self.query([
            """
            INSERT OVERWRITE DIRECTORY '\(directory.path)' USING parquet
            SELECT id, CAST(id AS STRING) AS s, CAST(id AS DECIMAL(20,3)) AS d, named_struct('a', id) AS st FROM range(0, 5000, 1, 1)
            """
        ])
        let part = try #require(try FileManager.default.contentsOfDirectory(atPath: directory.path).first { $0.hasSuffix(".parquet") })
        let info = try ParquetFileInfo.read(path: directory.appendingPathComponent(part).path)
        #expect(info.rowCount == 5000 && info.rowGroupRowCounts.reduce(0, +) == 5000)
        #expect(info.columns.map(\.name) == ["id", "s", "d", "st"])
        #expect(info.columns[1].logicalType == "STRING" && info.columns[2].logicalType == "DECIMAL(20,3)" && info.columns[3].isGroup)
        #expect(info.createdBy?.contains("parquet-mr") == true)
    }
}

extension SQLValue {
    var isNaN: Bool {
        if case .double(let value) = self { return value.isNaN }
        return false
    }
}
