// The driver's messages against Thrift captured from a local Spark 4.3 Thrift Server
// (../shared/fixtures/spark-thrift-captures): every reply decodes, and the typed table, the
// minimal query and the error path give their concrete values.
import Foundation
import Testing
import Thrift

@testable import DatabricksSQL

enum SparkCaptures {
    struct Exchange {
        var set: String
        var method: String
        var request: [UInt8]
        var response: [UInt8]
    }

    static func exchanges(_ set: String) -> [Exchange] {
        guard let root = SharedFixtures.directory?.appendingPathComponent("spark-thrift-captures/\(set)"),
            let names = try? FileManager.default.contentsOfDirectory(atPath: root.path)
        else { return [] }
        return names.filter { $0.hasSuffix(".request.bin") }.sorted().compactMap { name in
            let stem = String(name.dropLast(".request.bin".count))
            guard let request = try? Data(contentsOf: root.appendingPathComponent(name)),
                let response = try? Data(contentsOf: root.appendingPathComponent(stem + ".response.bin"))
            else { return nil }
            let method = String(stem.drop { $0 != "_" }.dropFirst())
            return Exchange(set: set, method: method, request: Array(request), response: Array(response))
        }
    }

    static let sets = ["minimal", "typed", "error_and_async", "beeline", "dbsql_connector"]
}

@Suite("Spark Thrift Server captures", .enabled(if: SharedFixtures.isAvailable, SharedFixtures.skip))
struct SparkCapturesTests {
    func decode<T>(_ exchange: SparkCaptures.Exchange, _ body: (inout ThriftBinaryReader) throws(ThriftError) -> T) throws -> T {
        try ThriftCall.decodeReply(exchange.response, method: exchange.method, sequenceId: nil, response: body)
    }

    @Test("every captured reply decodes", arguments: SparkCaptures.sets)
    func everyReplyDecodes(_ set: String) throws {
        let exchanges = SparkCaptures.exchanges(set)
        #expect(!exchanges.isEmpty)
        for exchange in exchanges {
            let recorded = RecordedExchange(
                folder: set,
                method: exchange.method,
                request: exchange.request,
                status: 200,
                response: exchange.response,
                headers: [:],
                order: 0
            )
            if exchange.method == "GetInfo" {
                #expect(throws: Never.self) { _ = try ThriftTree.message(exchange.response) }
            } else {
                #expect(throws: Never.self, "\(set) \(exchange.method)") { _ = try decodeReply(recorded) }
            }
        }
    }

    @Test func typedTableValues() throws {
        let exchanges = SparkCaptures.exchanges("typed")
        let metadata = try decode(try #require(exchanges.first { $0.method == "GetResultSetMetadata" })) {
            (r: inout ThriftBinaryReader) throws(ThriftError) in try ResultSetMetadataResponse(from: &r)
        }
        let schema = try #require(metadata.schema?.columns)
        #expect(schema.map(\.type) == [.int, .bigint, .string, .double, .decimal(precision: 10, scale: 2), .boolean, .date, .timestamp, .array])
        let page = try decode(try #require(exchanges.first { $0.method == "FetchResults" })) {
            (r: inout ThriftBinaryReader) throws(ThriftError) in try FetchResultsResponse(from: &r)
        }
        let rows = try #require(page.results)
        let batch = ResultBatch(schema: schema, columns: rows.columns, startRowOffset: rows.startRowOffset)
        #expect(batch.rowCount == 3)
        let values = (0..<batch.rowCount).map(batch.row)
        // One row is NULL but for its key (BOOLEAN NULL slots hold `true` on the wire; the bitmap wins).
        #expect(values.contains { $0.dropFirst().allSatisfy { $0 == .null } })
        let first = try #require(values.first { $0[4] != .null })
        guard case .decimal(let decimal) = first[4], case .date = first[6], case .timestamp = first[7], case .json(let array) = first[8] else {
            Issue.record("unexpected row \(first)")
            return
        }
        #expect(decimal.scale == 2 && decimal.text.contains("."))
        #expect(array.hasPrefix("["))
        let secondPage = try decode(try #require(exchanges.last { $0.method == "FetchResults" })) {
            (r: inout ThriftBinaryReader) throws(ThriftError) in try FetchResultsResponse(from: &r)
        }
        #expect(secondPage.results?.rowCount == 0 && secondPage.hasMoreRows == false)
    }

    @Test func minimalQueryAndItsRequests() throws {
        let exchanges = SparkCaptures.exchanges("minimal")
        let page = try decode(try #require(exchanges.first { $0.method == "FetchResults" })) {
            (r: inout ThriftBinaryReader) throws(ThriftError) in try FetchResultsResponse(from: &r)
        }
        let rows = try #require(page.results)
        #expect(rows.columns.count == 2)
        #expect(rows.columns[0].value(at: 0, type: .int) == .int32(1))
        #expect(rows.columns[1].value(at: 0, type: .string) == .string("x"))
        // Our OpenSession for a Spark server carries what PyHive sent (protocol 9, a configuration map).
        let open = try #require(exchanges.first { $0.method == "OpenSession" })
        let captured = try ThriftTree.message(open.request)
        #expect(captured.field(1)?.field(1) == .scalar([0, 0, 0, 9]))
        var request = OpenSessionRequest()
        request.clientProtocol = 9
        request.username = "alice"
        let ours = try ThriftTree.message(ThriftCall.encode(method: "OpenSession", sequenceId: 0) { request.encode(to: &$0) })
        #expect(ours == captured)
    }

    @Test func missingTableErrorHasNoHandle() throws {
        let exchanges = SparkCaptures.exchanges("error_and_async")
        let failing = try #require(exchanges.first { $0.method == "ExecuteStatement" })
        let response = try decode(failing) { (r: inout ThriftBinaryReader) throws(ThriftError) in try OperationStartResponse(from: &r) }
        #expect(response.status.code == StatusCode.error.rawValue && response.status.sqlState == "42P01")
        #expect(response.operationHandle == nil)
        #expect(SQLSession.summarize(response.status.errorMessage ?? "").contains("TABLE_OR_VIEW_NOT_FOUND"))
        #expect(!SQLSession.summarize(response.status.errorMessage ?? "").contains("\tat "))
    }
}
