// The driver's messages against real Databricks traffic: every recorded reply decodes, the values
// of the data-type, null, multi-chunk, metadata and error recordings come out exactly, and the
// requests we encode match what a real cluster accepted.
import Foundation
import Testing
import Thrift

@testable import DatabricksSQL

func decodeReply(_ exchange: RecordedExchange) throws -> Any {
    func decode<T>(_ body: (inout ThriftBinaryReader) throws(ThriftError) -> T) throws -> T {
        try ThriftCall.decodeReply(exchange.response, method: exchange.method, sequenceId: nil, response: body)
    }
    switch exchange.method {
    case "OpenSession": return try decode { (r: inout ThriftBinaryReader) throws(ThriftError) in try OpenSessionResponse(from: &r) }
    case "CloseSession", "CloseOperation", "CancelOperation":
        return try decode { (r: inout ThriftBinaryReader) throws(ThriftError) in try StatusOnlyResponse(from: &r) }
    case "ExecuteStatement", "GetTables", "GetSchemas", "GetCatalogs", "GetColumns":
        return try decode { (r: inout ThriftBinaryReader) throws(ThriftError) in try OperationStartResponse(from: &r) }
    case "GetOperationStatus": return try decode { (r: inout ThriftBinaryReader) throws(ThriftError) in try OperationStatusResponse(from: &r) }
    case "GetResultSetMetadata":
        return try decode { (r: inout ThriftBinaryReader) throws(ThriftError) in try ResultSetMetadataResponse(from: &r) }
    case "FetchResults": return try decode { (r: inout ThriftBinaryReader) throws(ThriftError) in try FetchResultsResponse(from: &r) }
    default: throw Recordings.RecordingMissing(what: "method \(exchange.method)")
    }
}

func batch(_ response: OperationStartResponse) throws -> ResultBatch {
    let schema = try #require(response.directResults?.resultSetMetadata?.schema?.columns)
    let rows = try #require(response.directResults?.resultSet?.results)
    return ResultBatch(schema: schema, columns: rows.columns, startRowOffset: rows.startRowOffset)
}

@Suite("Recorded Databricks traffic", .enabled(if: SharedFixtures.isAvailable, SharedFixtures.skip))
struct RecordedDatabricksTrafficTests {
    @Test func everyRecordedThriftReplyDecodes() throws {
        let thrift = Recordings.all.filter { $0.status == 200 && !$0.method.isEmpty }
        #expect(thrift.count > 250)
        for exchange in thrift {
            #expect(throws: Never.self, "\(exchange.folder) \(exchange.method)") { _ = try decodeReply(exchange) }
        }
    }

    @Test func nullHandling() throws {
        var result = try batch(Recordings.query("testnullhandling.invocation1", containing: "SELECT NULL"))
        #expect(result.schema.map(\.type) == [.null])
        #expect(result.rowCount == 1 && result.value(row: 0, column: 0) == .null)

        result = try batch(Recordings.query("testnullhandling.invocation2", containing: "CAST(NULL AS DOUBLE)"))
        #expect(result.schema.map(\.type) == [.double])
        #expect(result.row(0) == [.null])

        result = try batch(Recordings.query("testnullhandling.invocation3", containing: "UNION"))
        #expect(result.schema.map(\.type) == [.int])
        #expect(result.columns[0].nulls.bytes == [0x01])
        #expect((0..<result.rowCount).map { result.value(row: $0, column: 0) } == [.null, .int32(1)])
    }

    @Test func timestampsAreExactMicrosecondsUTC() throws {
        let result = try batch(Recordings.query("testtimestamp", containing: "SELECT id, ts"))
        #expect(result.schema.map(\.name) == ["id", "ts"])
        #expect(result.schema.map(\.type) == [.int, .timestamp])
        #expect(result.columns[1].nulls.bytes == [0x04])
        #expect(result.rowCount == 3)
        #expect(result.row(0) == [.int32(1), .timestamp(1_609_495_200_000_000)])  // 2021-01-01 10:00:00
        #expect(result.row(1) == [.int32(2), .timestamp(1_623_760_496_789_000)])  // 2021-06-15 12:34:56.789
        #expect(result.row(2) == [.int32(3), .null])
    }

    @Test func stringEdgeCases() throws {
        let result = try batch(Recordings.query("teststringedgecases", containing: "leading and trailing"))
        #expect(result.schema.map(\.type) == [.int, .string])
        let strings = (0..<result.rowCount).map { result.value(row: $0, column: 1) }
        #expect(strings.first == .string("   leading and trailing spaces   "))
        #expect(strings.contains(.string("string with \"double quotes\" inside")))
        #expect(strings.last == .null)
        #expect(result.columns[1].nulls.isNull(result.rowCount - 1))
    }

    @Test func decimalPrecisionAndScaleComeFromTheSchema() throws {
        // These recordings were answered in Arrow (the JDBC driver allowed it); their schemas are
        // what this driver reads, and it never asks for Arrow, so its values arrive as columns.
        let complex = try #require(
            Recordings.exchanges("testretrievalofcomplexdatatypes", method: "ExecuteStatement")
                .first { Recordings.statement(of: $0)?.contains("SELECT datetime_col") == true }
        )
        let response = try #require(try decodeReply(complex) as? OperationStartResponse)
        let schema = try #require(response.directResults?.resultSetMetadata?.schema?.columns)
        #expect(schema.map(\.type) == [.timestamp, .decimal(precision: 10, scale: 2), .date])
        let lineitem = try #require(Recordings.exchanges("testmultichunkselect", method: "ExecuteStatement").first)
        let lineitemSchema = try #require((try decodeReply(lineitem) as? OperationStartResponse)?.directResults?.resultSetMetadata?.schema?.columns)
        #expect(lineitemSchema.first { $0.name == "l_quantity" }?.type == .decimal(precision: 18, scale: 2))
        #expect(lineitemSchema.first { $0.name == "l_orderkey" }?.type == .bigint)
        #expect(lineitemSchema.first { $0.name == "l_shipdate" }?.type == .date)
        let intervals = try #require(
            Recordings.exchanges("testintervaltypes", method: "ExecuteStatement").first { Recordings.statement(of: $0)?.hasPrefix("SELECT") == true }
        )
        let intervalSchema = try #require((try decodeReply(intervals) as? OperationStartResponse)?.directResults?.resultSetMetadata?.schema?.columns)
        #expect(intervalSchema.first?.type == .intervalYearMonth)
        #expect(intervalSchema.contains { $0.type == .intervalDayTime })
    }

    @Test func syntaxErrorCarriesSQLStateAndMessage() throws {
        let exchange = try #require(
            Recordings.exchanges("testquerysyntaxerror", method: "ExecuteStatement").first {
                Recordings.statement(of: $0)?.hasPrefix("INSER ") == true
            }
        )
        let response = try #require(try decodeReply(exchange) as? OperationStartResponse)
        #expect(response.status.code == StatusCode.error.rawValue)
        #expect(response.status.sqlState == "42601")
        #expect(response.status.displayMessage?.contains("PARSE_SYNTAX_ERROR") == true)
        #expect(response.status.errorMessage?.contains("Syntax error") == true)
    }

    @Test func multiChunkResultsArriveAsLinksWeNeverRequest() throws {
        let exchange = try #require(Recordings.exchanges("testmultichunkselect", method: "ExecuteStatement").first)
        let response = try #require(try decodeReply(exchange) as? OperationStartResponse)
        #expect(response.status.isSuccess)
        let metadata = try #require(response.directResults?.resultSetMetadata)
        #expect(metadata.schema?.columns.first?.name == "l_orderkey")
        #expect(metadata.schema?.columns.count == 16)
        // The JDBC driver allowed cloud fetch; we never set canDownloadResult, so we never see this.
        #expect(metadata.resultFormat == 3)
    }

    @Test func metadataCallsReturnColumnarRows() throws {
        let schemas = try #require(Recordings.exchanges("testcatalogandschemainformation", method: "GetSchemas").first)
        let response = try #require(try decodeReply(schemas) as? OperationStartResponse)
        let result = try batch(response)
        #expect(result.schema.map(\.name) == ["TABLE_SCHEM", "TABLE_CATALOG"])
        #expect(result.rowCount > 0)
        let tables = Recordings.exchanges("testcatalogandschemainformation", method: "GetTables")
        #expect(tables.count == 2)
        for exchange in tables {
            let decoded = try #require(try decodeReply(exchange) as? OperationStartResponse)
            let names = try batch(decoded).schema.map(\.name)
            #expect(names.starts(with: ["TABLE_CAT", "TABLE_SCHEM", "TABLE_NAME", "TABLE_TYPE"]))
        }
    }

    @Test func openSessionReplyCarriesHandleAndNamespace() throws {
        let exchange = try #require(Recordings.exchanges("testsuccessfulconnection", method: "OpenSession").first)
        let response = try #require(try decodeReply(exchange) as? OpenSessionResponse)
        #expect(response.status.isSuccess)
        #expect(response.serverProtocolVersion == 0xA508)
        #expect(response.sessionHandle?.identifier.guid.count == 16)
        #expect(response.initialCatalog == "spark" && response.initialSchema == "default")
    }

    @Test func requestsWeEncodeMatchWhatTheClusterAccepted() throws {
        // OpenSession: byte for byte, given the JDBC driver's choices.
        let open = try #require(Recordings.exchanges("testsuccessfulconnection", method: "OpenSession").first)
        let request = OpenSessionRequest(
            clientProtocol: -7,
            configuration: [:],
            clientProtocolI64: 0xA509,
            initialCatalog: "SPARK",
            initialSchema: "default",
            canUseMultipleCatalogs: true
        )
        let ours = ThriftCall.encode(method: "OpenSession", sequenceId: 1) { request.encode(to: &$0) }
        #expect(try ThriftTree.message(ours) == ThriftTree.message(open.request))

        // CloseSession: identical to the recorded request for the same handle.
        let close = try #require(Recordings.exchanges("testsuccessfulconnection", method: "CloseSession").first)
        let recorded = try ThriftTree.message(close.request)
        guard case .scalar(let guid)? = recorded.field(1)?.field(1)?.field(1)?.field(1),
            case .scalar(let secret)? = recorded.field(1)?.field(1)?.field(1)?.field(2)
        else {
            Issue.record("no handle in the recorded CloseSession")
            return
        }
        let closeRequest = CloseSessionRequest(sessionHandle: SessionHandle(identifier: HandleIdentifier(guid: guid, secret: secret)))
        let encodedClose = ThriftCall.encode(method: "CloseSession", sequenceId: 0) { closeRequest.encode(to: &$0) }
        #expect(try ThriftTree.message(encodedClose) == recorded)

        // ExecuteStatement: every field we send is in the accepted request with the same value
        // (the JDBC driver leaves runAsync unset, so this comparison does too).
        let execute = try #require(Recordings.exchanges("testtimestamp", method: "ExecuteStatement").first)
        let acceptedTree = try ThriftTree.message(execute.request)
        guard case .scalar(let sessionGuid)? = acceptedTree.field(1)?.field(1)?.field(1)?.field(1),
            case .scalar(let sessionSecret)? = acceptedTree.field(1)?.field(1)?.field(1)?.field(2),
            let statement = acceptedTree.field(1)?.field(2)?.string
        else {
            Issue.record("no handle in the recorded ExecuteStatement")
            return
        }
        let executeRequest = ExecuteStatementRequest(
            sessionHandle: SessionHandle(identifier: HandleIdentifier(guid: sessionGuid, secret: sessionSecret)),
            statement: statement,
            runAsync: false,
            directResultsMaxRows: 2_000_000,
            directResultsMaxBytes: 404_857_600
        )
        let encodedExecute = ThriftCall.encode(method: "ExecuteStatement", sequenceId: 0) { executeRequest.encode(to: &$0) }
        #expect(try ThriftTree.message(encodedExecute).isSubset(of: acceptedTree))
    }
}
