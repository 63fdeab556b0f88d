// The driver against a real Apache Spark 4.3 Thrift Server in HTTP mode: every type with NULLs and
// edge values, a million-row fetch in bounded batches, metadata calls and the failure paths.
import Foundation
import TestSupport
import Testing

@testable import DatabricksSQL

@Suite("Live Spark Thrift Server", .serialized, .enabled(if: LiveSpark.isAvailable, LiveSpark.skip), .liveServers)
struct LiveSparkTests {
    @Test func everyTypeWithNullsAndEdgeValues() async throws {
        let database = LiveSpark.database("types")
        try await LiveSpark.client().withSession { session in
            _ = try await session.execute("CREATE DATABASE \(database)").rows()
            _ = try await session.execute(
                """
                CREATE TABLE \(database).every_type (
                  id INT, b BOOLEAN, i8 TINYINT, i16 SMALLINT, i64 BIGINT, f FLOAT, d DOUBLE, s STRING, bin BINARY,
                  dec DECIMAL(38,10), dt DATE, ts TIMESTAMP, arr ARRAY<STRING>, m MAP<STRING,INT>, st STRUCT<a:INT,b:STRING>
                ) USING parquet
                """
            ).rows()
            _ = try await session.execute(
                """
                INSERT INTO \(database).every_type VALUES
                (1, true, 127, 32767, 9223372036854775807, 3.5, 1.7976931348623157E308, 'héllo ✓ 日本', X'00FF10',
                 1234567890123456789012345678.0123456789, DATE'2024-02-29', TIMESTAMP'2024-01-02 03:04:05.123456',
                 array('a', 'b'), map('k', 1), named_struct('a', 1, 'b', 'x')),
                (2, false, -128, -32768, -9223372036854775808, -0.0, 4.9E-324, '', X'',
                 -0.0000000001, DATE'0001-01-01', TIMESTAMP'1969-12-31 23:59:59.999999',
                 array(), map(), named_struct('a', NULL, 'b', NULL)),
                (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
                """
            ).rows()
            let result = try await session.execute("SELECT * FROM \(database).every_type ORDER BY id")
            #expect(result.schema.map(\.name) == ["id", "b", "i8", "i16", "i64", "f", "d", "s", "bin", "dec", "dt", "ts", "arr", "m", "st"])
            #expect(
                result.schema.map(\.type) == [
                    .int, .boolean, .tinyint, .smallint, .bigint, .float, .double, .string, .binary,
                    .decimal(precision: 38, scale: 10), .date, .timestamp, .array, .map, .struct,
                ]
            )
            let rows = try await result.rows()
            #expect(rows.count == 3)
            #expect(
                rows[0] == [
                    .int32(1), .bool(true), .int8(127), .int16(32767), .int64(.max), .float(3.5), .double(.greatestFiniteMagnitude),
                    .string("héllo ✓ 日本"), .binary([0x00, 0xFF, 0x10]),
                    .decimal(SQLDecimal(text: "1234567890123456789012345678.0123456789", precision: 38, scale: 10)),
                    .date(19_782), .timestamp(1_704_164_645_123_456), .json("[\"a\",\"b\"]"), .json("{\"k\":1}"), .json("{\"a\":1,\"b\":\"x\"}"),
                ]
            )
            #expect(rows[1][0...4] == [.int32(2), .bool(false), .int8(-128), .int16(-32768), .int64(.min)])
            #expect(rows[1][6] == .double(.leastNonzeroMagnitude))
            #expect(rows[1][7] == .string("") && rows[1][8] == .binary([]))
            #expect(rows[1][9] == .decimal(SQLDecimal(text: "-0.0000000001", precision: 38, scale: 10)))
            #expect(rows[1][10] == .date(-719_162))
            #expect(rows[1][11] == .timestamp(-1))
            #expect(rows[1][12] == .json("[]"))
            #expect(rows[2] == [.int32(3)] + Array(repeating: SQLValue.null, count: 14))
            _ = try await session.execute("DROP DATABASE \(database) CASCADE").rows()
        }
    }

    @Test func aMillionRowsStreamInBoundedBatches() async throws {
        let options = StatementOptions(batchSize: 20_000)
        let ((rows, sum, largestBatch, nullCount), growth) = try await ProcessMemory.peakGrowth {
            try await LiveSpark.client(RetryPolicy()).withSession { session in
                let result = try await session.execute(
                    "SELECT id, id * 2 AS twice, CAST(id AS STRING) AS text, IF(id % 10 = 0, NULL, id / 3.0) AS third FROM range(1000000)",
                    options: options
                )
                var rows = 0
                var sum: Int64 = 0
                var largest = 0
                var nulls = 0
                for try await batch in result {
                    largest = max(largest, batch.rowCount)
                    guard case .int64(let ids) = batch.columns[0].storage else { throw DatabricksSQLError(.sql, "id is not bigint") }
                    for (index, id) in ids.enumerated() where batch.columns[0].nulls.isNull(index) == false { sum += id }
                    for index in 0..<batch.rowCount where batch.columns[3].nulls.isNull(index) { nulls += 1 }
                    #expect(batch.startRowOffset == Int64(rows))
                    rows += batch.rowCount
                }
                return (rows, sum, largest, nulls)
            }
        }
        #expect(rows == 1_000_000)
        #expect(sum == 499_999_500_000)
        #expect(nullCount == 100_000)
        #expect(largestBatch <= 20_000)
        #expect(growth < 150 << 20, "peak RSS grew by \(growth >> 20) MiB while streaming 1M rows")
    }

    @Test func metadataCallsListSchemasTablesAndColumns() async throws {
        let database = LiveSpark.database("meta")
        try await LiveSpark.client().withSession { session in
            _ = try await session.execute("CREATE DATABASE \(database)").rows()
            _ = try await session.execute("CREATE TABLE \(database).orders (id BIGINT, amount DECIMAL(10,2), placed TIMESTAMP) USING parquet").rows()
            _ = try await session.execute("CREATE TABLE \(database).customers (name STRING) USING parquet").rows()
            let schemas = try await session.schemas(pattern: database).rows()
            #expect(schemas.contains { $0.first == .string(database) })
            let tablesResult = try await session.tables(schemaPattern: database)
            let nameIndex = try #require(tablesResult.schema.firstIndex { $0.name == "TABLE_NAME" })
            let tables = try await tablesResult.rows().map { $0[nameIndex] }
            #expect(Set(tables) == [.string("orders"), .string("customers")])
            let columnsResult = try await session.columns(schemaPattern: database, tablePattern: "orders")
            let columnName = try #require(columnsResult.schema.firstIndex { $0.name == "COLUMN_NAME" })
            let typeName = try #require(columnsResult.schema.firstIndex { $0.name == "TYPE_NAME" })
            let columns = try await columnsResult.rows().map { ($0[columnName], $0[typeName]) }
            #expect(columns.map(\.0) == [.string("id"), .string("amount"), .string("placed")])
            #expect(columns.map(\.1) == [.string("BIGINT"), .string("DECIMAL(10,2)"), .string("TIMESTAMP")])
            _ = try await session.execute("DROP DATABASE \(database) CASCADE").rows()
        }
    }

    @Test func sessionsStartInTheirDatabase() async throws {
        let database = LiveSpark.database("usedb")
        try await LiveSpark.client().withSession { session in _ = try await session.execute("CREATE DATABASE \(database)").rows() }
        let current = try await LiveSpark.client().withSession(database: database) { session in
            try await session.execute("SELECT current_database()").rows()
        }
        #expect(current == [[.string(database)]])
    }

    @Test func failuresAreTypedAndNamed() async throws {
        try await LiveSpark.client().withSession { session throws in
            await #expect {
                _ = try await session.execute("SELEC 1").rows()
            } throws: { error in
                guard let error = error as? DatabricksSQLError else { return false }
                return error.code == .sql && error.sqlState == "42601" && error.message.contains("PARSE_SYNTAX_ERROR")
            }
            await #expect {
                _ = try await session.execute("SELECT * FROM no_such_table_anywhere").rows()
            } throws: { error in
                (error as? DatabricksSQLError)?.sqlState == "42P01"
            }
            // The session still works after failed statements.
            let after = try await session.execute("SELECT 1").rows()
            #expect(after == [[.int32(1)]])
        }
        // Spark refuses an empty password with 401.
        let refused = SQLEndpoint(
            url: LiveSpark.url!,
            flavor: .sparkThriftServer,
            workspaceOrigin: nil,
            clusterId: nil,
            authorization: "Basic " + Data("alice:".utf8).base64EncodedString()
        )
        await #expect {
            _ = try await DatabricksSQLClient(endpoint: refused, retryPolicy: .interactive).openSession()
        } throws: { error in
            (error as? DatabricksSQLError)?.code == .authentication && (error as? DatabricksSQLError)?.httpStatus == 401
        }
        // Nothing listens there: a connection error after the policy's one retry, well before the
        // 10 s connect timeout (the HTTP pool does not retry establishment on its own).
        let nowhere = try SQLEndpoint.sparkThriftServer(url: URL(string: "http://127.0.0.1:9/cliservice")!, username: "a", password: "b")
        let started = ContinuousClock.now
        await #expect {
            _ = try await DatabricksSQLClient(endpoint: nowhere, retryPolicy: .interactive).openSession()
        } throws: { error in
            (error as? DatabricksSQLError)?.code == .connection
        }
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func cancellingAWaitingStatementCancelsItOnTheServer() async throws {
        let client = try LiveSpark.client()
        let session = try await client.openSession()
        // Without incremental collection Spark runs the whole job while the statement executes (the
        // client is polling); with it, the job runs inside FetchResults, which Spark serialises with
        // every other call of the session, so no cancel can reach it before the fetch returns.
        _ = try await session.execute("SET spark.sql.thriftServer.incrementalCollect=false").rows()
        let task = Task {
            try await session.execute("SELECT count(*) FROM range(0, 400000000000)").rows()
        }
        try await Task.sleep(for: .seconds(3))
        task.cancel()
        let cancelledAt = ContinuousClock.now
        let outcome = await task.result
        #expect(throws: DatabricksSQLError.self) { try outcome.get() }
        #expect(ContinuousClock.now - cancelledAt < .seconds(10))
        // The session is still usable afterwards.
        let after = try await session.execute("SELECT 2").rows()
        #expect(after == [[.int32(2)]])
        await session.close()
    }
}

/// The server disappearing under a client; part of the serialized live suite so that its
/// multi-million-row query does not run beside the memory and cancellation tests.
extension LiveSparkTests {
    @Test func theServerVanishingMidFetchIsATypedErrorNotAHang() async throws {
        let relay = try await TCPRelay.start(target: LiveSpark.url!.port ?? 10001)
        defer { relay.stop() }
        let endpoint = try SQLEndpoint.sparkThriftServer(url: URL(string: "http://127.0.0.1:\(relay.port)/cliservice")!, username: "t", password: "x")
        var policy = RetryPolicy.interactive
        policy.requestTimeout = .seconds(20)
        let client = DatabricksSQLClient(endpoint: endpoint, retryPolicy: policy)
        let session = try await client.openSession()
        let options = StatementOptions(batchSize: 5_000)
        let result = try await session.execute("SELECT id, repeat('x', 100) AS pad FROM range(3000000)", options: options)
        var received = 0
        let started = ContinuousClock.now
        await #expect {
            for try await batch in result {
                received += batch.rowCount
                if received >= 10_000, relay.isRunning { relay.stop() }
            }
        } throws: { error in
            guard let error = error as? DatabricksSQLError else { return false }
            return [.connection, .timeout, .protocolViolation].contains(error.code)
        }
        #expect(received >= 10_000 && received < 3_000_000)
        #expect(ContinuousClock.now - started < .seconds(60))
    }
}
