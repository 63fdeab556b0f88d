// Reading a whole table for a dataflow run, against the live Spark server over HiveServer2 Thrift
// and over Spark Connect: the chosen columns, filtered at the source, in batches no larger than asked.
import Connectors
import DatabricksSQL
import FlowModel
import Foundation
import Logging
import TestSupport
import Testing

@Suite(
    "Reading tables from live Spark",
    .enabled(
        if: ProcessInfo.processInfo.environment["TRIBUTARY_SPARK_THRIFT_URL"] != nil,
        "TRIBUTARY_SPARK_THRIFT_URL is not set: run scripts/test.sh"
    ),
    .liveServers
)
struct LiveReadTests {
    static let url = URLComponents(string: ProcessInfo.processInfo.environment["TRIBUTARY_SPARK_THRIFT_URL"] ?? "")!

    /// The Spark connection spec's source over `spark_protocol` (`thrift` or `connect`).
    func source(database: String, protocol sparkProtocol: String = "thrift") throws -> any SourceConnector {
        let port = sparkProtocol == "connect" ? LiveServers.sparkConnectPort : Self.url.port!
        let policy = SourceHostPolicy(allowed: [SourceHostPolicy.Entry("\(Self.url.host!):\(port)")!])
        let connectors = SourceConnectors(hostPolicy: policy, httpClient: try SourceHTTPClient.trusting(nil), logger: Logger(label: "test"))
        var params: [String: JSONValue] = [
            "host": .string(Self.url.host!), "port": .integer(Int64(port)), "username": "tributary", "password": "x", "database": .string(database),
        ]
        if sparkProtocol == "connect" {
            params["protocol"] = "connect"
            params["useTLS"] = false
        } else {
            params["httpPath"] = .string(Self.url.path)
        }
        return try connectors.connector(specId: ConnectionSpec.sparkThriftServerId, params: params)
    }

    @Test(arguments: ["thrift", "connect"])
    func aTableStreamsInBoundedBatchesWithTheFilterAppliedAtTheSource(_ sparkProtocol: String) async throws {
        let database = "read_\(UUID().uuidString.prefix(8).lowercased())"
        let admin = DatabricksSQLClient(endpoint: try .sparkThriftServer(url: Self.url.url!, username: "tributary", password: "x"))
        try await admin.withSession { session in
            _ = try await session.execute("CREATE DATABASE \(database)").rows()
            _ = try await session.execute("CREATE TABLE \(database).events USING parquet AS SELECT id, id * 2 AS twice, 'x' AS tag FROM range(10000)")
                .rows()
        }
        let source = try source(database: database, protocol: sparkProtocol)
        #expect(await source.test().succeeded)
        #expect(try await source.tables(after: nil, limit: 10).tables.map(\.table) == ["events"])
        let path = try TablePath(parsing: "events")
        let columns = try await source.describe(path)
        #expect(columns.map(\.name) == ["id", "twice", "tag"])
        let filter = RowFilter.compare("id", .greaterOrEqual, .integer(5000))
        let (rows, sum, largest, width) = try await source.read(path, columns: Array(columns.prefix(2)), window: nil, filter: filter, batchSize: 1000)
        { result in
            var rows = 0
            var sum: Int64 = 0
            var largest = 0
            var width = 0
            for try await batch in result {
                width = batch.schema.count
                rows += batch.rowCount
                largest = max(largest, batch.rowCount)
                for row in 0..<batch.rowCount {
                    if case .int64(let twice) = batch.value(row: row, column: 1) { sum += twice }
                }
            }
            return (rows, sum, largest, width)
        }
        #expect(rows == 5000 && width == 2)
        #expect(sum == (5000..<10000).reduce(0) { $0 + Int64($1) * 2 })
        #expect(largest <= 1000)
        let preview = try await source.preview(path, columns: columns, filter: filter, limit: 3)
        #expect(preview.count == 3 && preview.allSatisfy { $0.count == 3 })
    }
}
