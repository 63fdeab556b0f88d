// Results in Arrow as a real Databricks cluster sent them (the JDBC driver's recordings): the
// metadata's Arrow schema and the row sets' LZ4-compressed record batches read with the Arrow
// module, values exactly as the recordings' statements and the column results of the same tests say.
import Arrow
import Foundation
import Logging
import Testing
import Thrift

@testable import DatabricksSQL

@Suite("Recorded Databricks Arrow results", .enabled(if: SharedFixtures.isAvailable, SharedFixtures.skip))
struct RecordedArrowResultsTests {
    /// The Arrow batches of the first ExecuteStatement in `folder` whose statement contains `text`
    /// and that answered with Arrow batches.
    func arrow(_ folder: String, containing text: String) throws -> (schema: ArrowSchema, batches: [ArrowRecordBatch]) {
        for exchange in Recordings.exchanges(folder, method: "ExecuteStatement") where Recordings.statement(of: exchange)?.contains(text) == true {
            let response = try #require(try decodeReply(exchange) as? OperationStartResponse)
            guard let direct = response.directResults, let metadata = direct.resultSetMetadata, let schema = metadata.arrowSchema,
                let sent = direct.resultSet?.results?.arrowBatches, !sent.isEmpty
            else { continue }
            #expect(metadata.resultFormat == 0 && metadata.lz4Compressed)
            let results = try ArrowResults(schema: schema, lz4Compressed: metadata.lz4Compressed)
            return (results.schema, try results.batches(sent))
        }
        throw Recordings.RecordingMissing(what: "\(folder): an Arrow answer to \(text)")
    }

    func rows(_ batches: [ArrowRecordBatch]) -> Int { batches.reduce(0) { $0 + $1.length } }

    @Test func timestampsArriveAsArrowMicroseconds() throws {
        let (schema, batches) = try arrow("testtimestamp", containing: "SELECT id, ts")
        #expect(schema.fields.map(\.name) == ["id", "ts"])
        #expect(schema.fields.map(\.type) == [.int(bitWidth: 32, signed: true), .timestamp(.microsecond, timezone: "Etc/UTC")])
        let batch = try #require(batches.first)
        #expect(batch.length == 3)
        let (ids, times) = (batch.columns[0], batch.columns[1])
        #expect((0..<3).map { ids.int64($0) } == [1, 2, 3])
        #expect(times.int64(0) == 1_609_495_200_000_000 && times.int64(1) == 1_623_760_496_789_000 && times.isNull(2))
    }

    @Test func nullsOfEveryKind() throws {
        var (schema, batches) = try arrow("testnullhandling.invocation1", containing: "SELECT NULL")
        #expect(schema.fields.first?.type == .null && batches.first?.columns.first?.isNull(0) == true)
        (schema, batches) = try arrow("testnullhandling.invocation2", containing: "CAST(NULL AS DOUBLE)")
        #expect(schema.fields.first?.type == .float64 && batches.first?.columns.first?.isNull(0) == true)
        (schema, batches) = try arrow("testnullhandling.invocation3", containing: "UNION")
        let column = try #require(batches.first?.columns.first)
        #expect(column.length == 2 && column.isNull(0) && !column.isNull(1) && column.int64(1) == 1)
    }

    @Test func stringsKeepEveryEdge() throws {
        let (_, batches) = try arrow("teststringedgecases", containing: "leading and trailing")
        let column = try #require(batches.first?.columns[1])
        let strings = (0..<column.length).map { column.isNull($0) ? nil : column.string($0) }
        #expect(strings.first == "   leading and trailing spaces   ")
        #expect(strings.contains("string with \"double quotes\" inside"))
        #expect(strings.count == 5 && strings.last == .some(nil))
    }

    @Test func decimalsAndDatesCarryTheirTypes() throws {
        let (schema, batches) = try arrow("testretrievalofcomplexdatatypes", containing: "SELECT datetime_col")
        #expect(schema.fields.map(\.name) == ["datetime_col", "decimal_col", "date_col"])
        #expect(schema.fields[1].type == .decimal(precision: 10, scale: 2))
        #expect(schema.fields[2].type == .date32)
        // INSERT … VALUES (1, '2021-01-01 00:00:00', 123.45, '2021-01-01'), in the recording.
        let batch = try #require(batches.first)
        #expect(batch.length == 1)
        #expect(batch.columns[0].int64(0) == 1_609_459_200_000_000)
        #expect(batch.columns[1].decimal128(0) == (high: 0, low: 12_345))
        #expect(batch.columns[2].int64(0) == 18_628)
    }

    @Test func weAskForArrowWithTheFieldsARealClusterAccepted() throws {
        let exchange = try #require(
            Recordings.exchanges("testtimestamp", method: "ExecuteStatement").first {
                Recordings.statement(of: $0)?.contains("SELECT id, ts") == true
            }
        )
        let recorded = try ThriftTree.message(exchange.request).field(1)
        var request = ExecuteStatementRequest(
            sessionHandle: SessionHandle(
                identifier: HandleIdentifier(guid: [UInt8](repeating: 1, count: 16), secret: [UInt8](repeating: 2, count: 16))
            ),
            statement: "SELECT 1"
        )
        request.arrow = true
        let ours = try ThriftTree.message(ThriftCall.encode(method: "ExecuteStatement", sequenceId: 1) { request.encode(to: &$0) }).field(1)
        // The same fields with the same types as the JDBC driver's request; our choices in them:
        // Arrow results, LZ4, native timestamps, decimals and NULL, nested values and intervals as
        // text, no CloudFetch (0x503 absent).
        for id: Int16 in [0x502, 0x504] {
            #expect(recorded?.field(id) != nil)
            #expect(ours?.field(id) == .scalar([1]))
        }
        #expect(ours?.field(0x503) == nil)
        for (id, native): (Int16, UInt8) in [(1, 1), (2, 1), (3, 0), (4, 0), (5, 1)] {
            #expect(recorded?.field(0x506)?.field(id) != nil)
            #expect(ours?.field(0x506)?.field(id) == .scalar([native]))
        }
    }

    @Test func aQueryResultReadsItsArrowPages() async throws {
        let exchange = try #require(
            Recordings.exchanges("teststringedgecases", method: "ExecuteStatement").first { exchange in
                guard Recordings.statement(of: exchange)?.contains("leading and trailing") == true,
                    let response = try? decodeReply(exchange) as? OperationStartResponse
                else { return false }
                return response.directResults?.resultSet?.results?.arrowBatches.isEmpty == false
            }
        )
        let response = try #require(try decodeReply(exchange) as? OperationStartResponse)
        // A session that never reaches a server: the recorded answer is complete and closed.
        let endpoint = try SQLEndpoint.databricks(
            domain: "https://adb-1234567890123456.7.azuredatabricks.net",
            clusterId: "0123-456789-abc",
            accessToken: "unused"
        )
        let transport = ThriftHTTPTransport(
            endpoint: endpoint,
            client: DatabricksSQLClient.sharedHTTPClient,
            policy: RetryPolicy(),
            logger: Logger(label: "test")
        )
        let session = SQLSession(
            transport: transport,
            handle: SessionHandle(identifier: HandleIdentifier(guid: [UInt8](repeating: 1, count: 16), secret: [UInt8](repeating: 2, count: 16))),
            serverProtocolVersion: 0xA508
        )
        #expect(response.directResults?.closeOperation != nil && response.directResults?.resultSet?.hasMoreRows == false)
        let result = try await session.started(response, "ExecuteStatement", options: StatementOptions(batchSize: 100))
        #expect(result.encoding.arrow != nil)
        let rows = try await result.rows()
        #expect(rows.count == 5)
        #expect(rows.first == [.int32(1), .string("   leading and trailing spaces   ")])
        #expect(rows[1] == [.int32(2), .string("こんにちは")])
        #expect(rows.last == [.int32(5), .null])
    }

    @Test func arrowAnswersGiveTheValuesColumnAnswersGive() throws {
        // The recordings hold some statements answered both ways (the JDBC driver ran them with
        // and without Arrow): each cell must be the same SQL value.
        var arrowRows: [String: [[SQLValue]]] = [:]
        var columnRows: [String: [[SQLValue]]] = [:]
        for exchange in Recordings.all where exchange.status == 200 && exchange.method == "ExecuteStatement" {
            guard let statement = Recordings.statement(of: exchange), statement.hasPrefix("SELECT"),
                let response = try? decodeReply(exchange) as? OperationStartResponse, let direct = response.directResults,
                let metadata = direct.resultSetMetadata, let columns = metadata.schema?.columns, let rows = direct.resultSet?.results
            else { continue }
            let key = "\(exchange.folder): \(statement)"
            if let schema = metadata.arrowSchema, !rows.arrowBatches.isEmpty {
                // Nested values in Arrow are not read as Arrow.
                guard let results = try? ArrowResults(schema: schema, lz4Compressed: metadata.lz4Compressed) else { continue }
                let batches = try results.resultBatches(rows.arrowBatches, columns: columns, startRowOffset: rows.startRowOffset)
                arrowRows[key] = batches.flatMap { batch in (0..<batch.rowCount).map { batch.row($0) } }
            } else if !rows.columns.isEmpty {
                let batch = ResultBatch(schema: columns, columns: rows.columns, startRowOffset: rows.startRowOffset)
                columnRows[key] = (0..<batch.rowCount).map { batch.row($0) }
            }
        }
        let both = Set(arrowRows.keys).intersection(columnRows.keys)
        #expect(both.count >= 5, "statements answered both ways: \(both.sorted())")
        for key in both { #expect(arrowRows[key] == columnRows[key], "\(key)") }
    }

    @Test func everyArrowAnswerInTheRecordingsReads() throws {
        var answers = 0
        for exchange in Recordings.all where exchange.status == 200 && exchange.method == "ExecuteStatement" {
            guard let response = try? decodeReply(exchange) as? OperationStartResponse, let direct = response.directResults,
                let metadata = direct.resultSetMetadata, let schema = metadata.arrowSchema
            else { continue }
            let reader: ArrowResults
            do {
                reader = try ArrowResults(schema: schema, lz4Compressed: metadata.lz4Compressed)
            } catch {
                // Nested values or intervals in Arrow are refused by name (the driver asks for them as text).
                guard case .unsupported = error else { throw error }
                continue
            }
            let sent = direct.resultSet?.results?.arrowBatches ?? []
            let batches = try reader.batches(sent)
            #expect(rows(batches) == Int(sent.reduce(0) { $0 + $1.rowCount }), "\(exchange.folder)")
            answers += 1
        }
        #expect(answers > 50)
    }
}
