// Reading a whole table for a dataflow run, against the live Spark Thrift Server: the chosen
// columns, filtered at the source, in batches no larger than asked.
import Connectors
import DatabricksSQL
import FlowModel
import Foundation
import Logging
import TestSupport
import Testing

@Suite("Reading tables from live Spark", .enabled(if: ProcessInfo.processInfo.environment["TRIBUTARY_SPARK_THRIFT_URL"] != nil, "TRIBUTARY_SPARK_THRIFT_URL is not set: run scripts/test.sh"), .liveServers)
struct LiveReadTests {
    static let url = URLComponents(string: ProcessInfo.processInfo.environment["TRIBUTARY_SPARK_THRIFT_URL"] ?? "")!

    func source(database: String) throws -> any SourceConnector {
        let policy = SourceHostPolicy(allowed: [SourceHostPolicy.Entry("\(Self.url.host!):\(Self.url.port!)")!])
        let connectors = SourceConnectors(hostPolicy: policy, httpClient: try SourceHTTPClient.trusting(nil), logger: Logger(label: "test"))
        let params: [String: JSONValue] = [
            "host": .string(Self.url.host!), "port": .integer(Int64(Self.url.port!)), "httpPath": .string(Self.url.path),
            "username": "tributary", "password": "x", "database": .string(database),
        ]
        return try connectors.connector(specId: ConnectionSpec.sparkThriftServerId, params: params)
    }

    @Test func aTableStreamsInBoundedBatchesWithTheFilterAppliedAtTheSource() async throws {
        let database = "read_\(UUID().uuidString.prefix(8).lowercased())"
        let admin = DatabricksSQLClient(endpoint: try .sparkThriftServer(url: Self.url.url!, username: "tributary", password: "x"))
        try await admin.withSession { session in
            _ = try await session.execute("CREATE DATABASE \(database)").rows()
            _ = try await session.execute("CREATE TABLE \(database).events USING parquet AS SELECT id, id * 2 AS twice, 'x' AS tag FROM range(10000)").rows()
        }
        let source = try source(database: database)
        #expect(await source.test().succeeded)
        let path = try TablePath(parsing: "events")
        let columns = try await source.describe(path)
        #expect(columns.map(\.name) == ["id", "twice", "tag"])
        let filter = RowFilter.compare("id", .greaterOrEqual, .integer(5000))
        let (rows, sum, largest, width) = try await source.read(path, columns: Array(columns.prefix(2)), window: nil, filter: filter, batchSize: 1000) { result in
            var rows = 0
            var sum: Int64 = 0
            var largest = 0
            for try await batch in result {
                rows += batch.rowCount
                largest = max(largest, batch.rowCount)
                for row in 0..<batch.rowCount {
                    if case .int64(let twice) = batch.value(row: row, column: 1) { sum += twice }
                }
            }
            return (rows, sum, largest, result.schema.count)
        }
        #expect(rows == 5000 && width == 2)
        #expect(sum == (5000..<10000).reduce(0) { $0 + Int64($1) * 2 })
        #expect(largest <= 1000)
    }
}
