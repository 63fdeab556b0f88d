// Results in Arrow as a real Databricks cluster sent them (the JDBC driver's recordings): the
// metadata's Arrow schema and the row sets' LZ4-compressed record batches read with the Arrow
// module, values exactly as the recordings' statements and the column results of the same tests say.
import Arrow
import Foundation
import Testing
@testable import DatabricksSQL
import Thrift

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
            var results = try ArrowResults(schema: schema, lz4Compressed: metadata.lz4Compressed)
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
                guard var results = try? ArrowResults(schema: schema, lz4Compressed: metadata.lz4Compressed) else { continue }  // nested values in Arrow
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
            var reader: ArrowResults
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
