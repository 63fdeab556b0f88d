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
        #expect(
            columns.map(\.name) == ["id", "b", "i8", "i16", "i64", "f", "d", "s", "bin", "dec", "small_dec", "dt", "ts", "ntz", "arr", "m", "st"]
        )
        #expect(
            columns.map(\.type) == [
                .int, .boolean, .tinyint, .smallint, .bigint, .float, .double, .string, .binary, .decimal(precision: 38, scale: 10),
                .decimal(precision: 5, scale: 2), .date, .timestamp, .timestamp, .string, .string, .string,
            ]
        )
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

    /// Reads `SELECT id, … FROM range(count)` and checks every id came once, in order.
    static func readRange(
        _ session: SparkConnectSession,
        count: Int,
        onBatch: (Int) -> Void = { _ in }
    ) async throws -> (rows: Int, streams: Int, largest: Int) {
        try await session.execute("SELECT id, CAST(id AS STRING) AS text, IF(id % 10 = 0, NULL, id / 3.0) AS third FROM range(\(count))") { result in
            var rows = 0
            var largest = 0
            var sum: Int64 = 0
            var nulls = 0
            for try await batch in result {
                #expect(batch.startRowOffset == Int64(rows))
                for row in 0..<batch.rowCount {
                    guard case .int64(let id) = batch.value(row: row, column: 0), id == Int64(rows + row) else {
                        Issue.record("row \(rows + row) is \(batch.value(row: row, column: 0))")
                        throw DatabricksSQLError(.protocolViolation, "rows out of order")
                    }
                    sum += id
                    if batch.value(row: row, column: 2) == .null { nulls += 1 }
                }
                rows += batch.rowCount
                largest = max(largest, batch.rowCount)
                onBatch(rows)
            }
            #expect(sum == Int64(count) * Int64(count - 1) / 2)
            #expect(nulls == count / 10)
            return (rows, result.streamCount, largest)
        }
    }

    @Test func aMillionRowsStreamWithFlatMemory() async throws {
        let (read, growth) = try await ProcessMemory.peakGrowth {
            try await LiveSparkConnect.client().withSession { session in try await Self.readRange(session, count: 1_000_000) }
        }
        #expect(read.rows == 1_000_000)
        #expect(read.largest <= 10_000, "Spark's Arrow batches hold at most spark.sql.execution.arrow.maxRecordsPerBatch rows")
        #expect(growth < 150 << 20, "peak RSS grew by \(growth >> 20) MiB while streaming 1M rows")
    }

    @Test func aStreamTheServerEndsEarlyIsResumedWithEveryRowOnce() async throws {
        // The test server ends a result stream after 8 MiB (scripts/spark/start.sh) and waits for
        // the client to reattach; a million rows of this shape are about 40 MB.
        let read = try await LiveSparkConnect.client().withSession { session in try await Self.readRange(session, count: 1_000_000) }
        #expect(read.rows == 1_000_000)
        #expect(read.streams >= 3, "the server ended the stream every 8 MiB: \(read.streams) streams")
    }

    @Test func aConnectionBrokenMidStreamIsResumedWithEveryRowOnce() async throws {
        // The relay cuts the first connection after 2 MB of answers; the client reconnects through it.
        let relay = try await TCPRelay.start(target: LiveSparkConnect.port, cutAfterBytes: 2_000_000)
        defer { relay.stop() }
        let read = try await LiveSparkConnect.client("sc://127.0.0.1:\(relay.port)").withSession { session in
            try await Self.readRange(session, count: 500_000)
        }
        #expect(read.rows == 500_000)
        #expect(read.streams >= 2, "the stream was resumed after the cut")
    }

    @Test func aConnectionResetBeforeItsFirstAnswerIsTriedAgain() async throws {
        // The relay resets the first connection at the server's first byte (the HTTP/2 settings):
        // the session's first call fails as UNAVAILABLE and is tried again on a new connection.
        let relay = try await TCPRelay.start(target: LiveSparkConnect.port, cutAfterBytes: 1)
        defer { relay.stop() }
        let rows = try await LiveSparkConnect.client("sc://127.0.0.1:\(relay.port)").withSession { session in
            try await session.rows("SELECT 1 AS one")
        }
        #expect(rows == [[.int32(1)]])
    }

    @Test func cancellingAStatementInterruptsItOnTheServer() async throws {
        let client = try LiveSparkConnect.client()
        try await client.withSession { session in
            let task = Task {
                try await session.rows("SELECT count(*) FROM range(0, 400000000000)")
            }
            try await Task.sleep(for: .seconds(3))
            task.cancel()
            let cancelledAt = ContinuousClock.now
            let outcome = await task.result
            #expect(throws: DatabricksSQLError.self) { try outcome.get() }
            #expect(ContinuousClock.now - cancelledAt < .seconds(10))
            // The job is gone from the server: with it still running (both local cores busy for
            // hours), this statement's tasks would wait.
            #expect(try await Self.aJobRunsWithin20Seconds(session), "a statement after the cancelled one did not finish within 20 s")
        }
    }

    @Test func aReaderThatStopsEarlyInterruptsTheRest() async throws {
        try await LiveSparkConnect.client().withSession { session in
            // Many small partitions: Spark Connect collects a whole partition as Arrow before sending it.
            let first = try await session.rows("SELECT id FROM range(0, 4000000000, 1, 2000)", limit: 3)
            #expect(first == [[.int64(0)], [.int64(1)], [.int64(2)]])
            // The rest of its 2000 tasks would run first on the local cores had it not been stopped.
            #expect(try await Self.aJobRunsWithin20Seconds(session), "a statement after the abandoned one did not finish within 20 s")
        }
    }

    /// Whether a statement that needs the cluster's cores (a Spark job) finishes within 20 s: it
    /// would wait behind the tasks of a job still running (Spark schedules jobs first come, first served).
    static func aJobRunsWithin20Seconds(_ session: SparkConnectSession) async throws -> Bool {
        let rows = try await withThrowingTaskGroup(of: [[SQLValue]]?.self) { group in
            group.addTask { try await session.rows("SELECT count(*) FROM range(1000)") }
            group.addTask {
                try await Task.sleep(for: .seconds(20))
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        return rows == [[.int64(1000)]]
    }

    @Test func failuresAreTypedAndNamed() async throws {
        let client = try LiveSparkConnect.client()
        try await client.withSession { session in
            await #expect {
                _ = try await session.rows("SELECT * FROM no_such_database.no_such_table")
            } throws: { error in
                guard let error = error as? DatabricksSQLError else { return false }
                return error.code == .sql && error.message.contains("TABLE_OR_VIEW_NOT_FOUND") && error.sqlState == "42P01"
            }
            await #expect {
                _ = try await session.rows("SELEC 1")
            } throws: { error in
                guard let error = error as? DatabricksSQLError else { return false }
                return error.code == .sql && error.message.contains("PARSE_SYNTAX_ERROR")
            }
            await #expect {
                _ = try await session.schema(of: "SELECT nope FROM range(1)")
            } throws: { error in
                (error as? DatabricksSQLError)?.message.contains("UNRESOLVED_COLUMN") == true
            }
            // The session is still usable.
            let two = try await session.rows("SELECT 2 AS two")
            #expect(two == [[.int32(2)]])
        }
        let started = ContinuousClock.now
        await #expect {
            try await LiveSparkConnect.client("sc://127.0.0.1:1", reattachAttempts: 1).withSession { _ in }
        } throws: { error in
            (error as? DatabricksSQLError)?.code == .connection
        }
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}
