// The Spark Connect client against a real Spark 4.3 Connect server (the Thrift server's JVM):
// every type read as the Thrift path reads it, a million rows with flat memory, streams resumed
// after the server ends them early and after the connection breaks, cancellation, errors, schemas.
import DatabricksSQL
import Foundation
import SparkConnect
import TestSupport
import Testing

@Suite("Live Spark Connect server", .serialized, .enabled(if: LiveSparkConnect.isAvailable, LiveSparkConnect.skip), .liveServers)
struct LiveSparkConnectTests {
    @Test func everyTypeReadsAsTheThriftPathReadsIt() async throws {
        let database = LiveSparkConnect.database("connect_types")
        let table = "\(database).every_type"
        let thrift = try LiveSparkConnect.thrift()
        try await thrift.withSession { session in
            _ = try await session.execute("CREATE DATABASE \(database)").rows()
            _ = try await session.execute(
                """
                CREATE TABLE \(table) (
                  id INT, b BOOLEAN, i8 TINYINT, i16 SMALLINT, i64 BIGINT, f FLOAT, d DOUBLE, s STRING, bin BINARY,
                  dec DECIMAL(38,10), small_dec DECIMAL(5,2), dt DATE, ts TIMESTAMP, ntz TIMESTAMP_NTZ, arr ARRAY<STRING>,
                  m MAP<STRING,INT>, st STRUCT<a:INT,b:STRING>
                ) USING parquet
                """
            ).rows()
            _ = try await session.execute(
                """
                INSERT INTO \(table) VALUES
                (1, true, 127, 32767, 9223372036854775807, 3.5, 1.7976931348623157E308, 'héllo ✓ 日本', X'00FF10',
                 1234567890123456789012345678.0123456789, 999.99, DATE'2024-02-29', TIMESTAMP'2024-01-02 03:04:05.123456',
                 TIMESTAMP_NTZ'2024-01-02 03:04:05.123456', array('a', 'b'), map('k', 1), named_struct('a', 1, 'b', 'x')),
                (2, false, -128, -32768, -9223372036854775808, -0.0, 4.9E-324, '', X'',
                 -0.0000000001, -999.99, DATE'0001-01-01', TIMESTAMP'1969-12-31 23:59:59.999999', TIMESTAMP_NTZ'9999-12-31 23:59:59.999999',
                 array(), map(), named_struct('a', NULL, 'b', NULL)),
                (3, NULL, NULL, NULL, NULL, CAST('NaN' AS FLOAT), CAST('-Infinity' AS DOUBLE), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                 NULL, NULL)
                """
            ).rows()
        }
        // Nested values as JSON text, as the connectors select them.
        let query = """
            SELECT id, b, i8, i16, i64, f, d, s, bin, dec, small_dec, dt, ts, ntz, to_json(arr) AS arr, to_json(m) AS m, to_json(st) AS st
            FROM \(table) ORDER BY id
            """
        let byThrift = try await thrift.withSession { session in
            _ = try await session.execute("SET spark.sql.session.timeZone=UTC").rows()
            return try await session.execute(query).rows()
        }
        let (byConnect, columns) = try await LiveSparkConnect.client().withSession { session in
            (try await session.rows(query), try await session.schema(of: query))
        }
        #expect(byThrift.count == 3)
        #expect(byConnect.count == byThrift.count)
        // Compared by their text: NaN equals nothing, itself included.
        for (connectRow, thriftRow) in zip(byConnect, byThrift) {
            #expect(connectRow.count == thriftRow.count)
            for (index, (connect, thrift)) in zip(connectRow, thriftRow).enumerated() where "\(connect)" != "\(thrift)" {
                Issue.record("row \(thriftRow[0]) column \(index): Spark Connect read \(connect), the Thrift path \(thrift)")
            }
        }
        #expect(byConnect.first?[12] == .timestamp(1_704_164_645_123_456))
        #expect(columns.map(\.name) == ["id", "b", "i8", "i16", "i64", "f", "d", "s", "bin", "dec", "small_dec", "dt", "ts", "ntz", "arr", "m", "st"])
        #expect(
            columns.map(\.type) == [
                .int, .boolean, .tinyint, .smallint, .bigint, .float, .double, .string, .binary, .decimal(precision: 38, scale: 10),
                .decimal(precision: 5, scale: 2), .date, .timestamp, .timestamp, .string, .string, .string,
            ])
        try await thrift.withSession { session in _ = try await session.execute("DROP DATABASE \(database) CASCADE").rows() }
    }

    @Test func intervalsReadAsTheThriftPathReadsThem() async throws {
        let query = """
            SELECT INTERVAL '1-2' YEAR TO MONTH AS ym, INTERVAL '-3-11' YEAR TO MONTH AS negative_ym,
              INTERVAL '1 02:03:04.5' DAY TO SECOND AS dt, INTERVAL '-0 00:00:00.000001' DAY TO SECOND AS negative_dt
            """
        let byThrift = try await LiveSparkConnect.thrift().withSession { session in try await session.execute(query).rows() }
        let byConnect = try await LiveSparkConnect.client().withSession { session in try await session.rows(query) }
        #expect(byConnect == byThrift)
    }
}
