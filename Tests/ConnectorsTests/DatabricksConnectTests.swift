// A Databricks connection with `protocol: connect`, against the Databricks-shaped endpoint: nginx
// with TLS (a test CA), the Bearer token checked, the x-databricks-cluster-id header naming a cluster
// of the Clusters API, gRPC passed on to the local Spark Connect server. The four documented params
// and one more.
import Connectors
import DatabricksSQL
import FlowModel
import Foundation
import Logging
import TestSupport
import Testing

@Suite(
    "Databricks over Spark Connect",
    .enabled(
        if: ProcessInfo.processInfo.environment["TRIBUTARY_DATABRICKS_ENDPOINT"] != nil && LiveServers.databricksEndpointDirectory != nil,
        "the Databricks-shaped endpoint is not running: run scripts/test.sh"
    ),
    .liveServers
)
struct DatabricksConnectTests {
    static let origin = ProcessInfo.processInfo.environment["TRIBUTARY_DATABRICKS_ENDPOINT"] ?? ""
    static var directory: URL { LiveServers.databricksEndpointDirectory! }
    static var token: String { (try? String(contentsOf: directory.appendingPathComponent("token"), encoding: .utf8)) ?? "" }

    func source(cluster: String, token: String = DatabricksConnectTests.token, database: String = "default") throws -> any SourceConnector {
        let port = URLComponents(string: Self.origin)?.port ?? 10443
        let connectors = SourceConnectors(
            hostPolicy: SourceHostPolicy(allowed: [SourceHostPolicy.Entry("127.0.0.1:\(port)")!]),
            timeout: .seconds(30),
            httpClient: try SourceHTTPClient.trusting(Self.directory.appendingPathComponent("ca.pem").path),
            trustedCAFile: Self.directory.appendingPathComponent("ca.pem").path,
            logger: Logger(label: "test")
        )
        return try connectors.connector(
            specId: ConnectionSpec.azureDatabricksId,
            params: [
                "domain": .string(Self.origin), "clusterId": .string(cluster), "accessToken": .string(token), "database": .string(database),
                "httpPath": .string("/sql/protocolv1/o/1234567890123456/\(cluster)"), "protocol": "connect",
            ]
        )
    }

    @Test func aRunningClusterIsExploredAndReadThroughSparkConnect() async throws {
        let cluster = try DatabricksTestCluster(.running, name: "connect")
        let database = "dbconnect_\(UUID().uuidString.prefix(8).lowercased())"
        let thrift = DatabricksSQLClient(
            endpoint: try .sparkThriftServer(
                url: URL(string: ProcessInfo.processInfo.environment["TRIBUTARY_SPARK_THRIFT_URL"]!)!,
                username: "t",
                password: "x"
            )
        )
        try await thrift.withSession { session in
            _ = try await session.execute("CREATE DATABASE \(database)").rows()
            _ = try await session.execute(
                "CREATE TABLE \(database).orders USING parquet AS SELECT id, CAST(id AS DECIMAL(10,2)) AS amount FROM range(2500)"
            ).rows()
        }
        let source = try source(cluster: cluster.id, database: database)
        let check = await source.test()
        #expect(check.succeeded, "\(check.document)")
        #expect(try await source.tables(after: nil, limit: 10).tables.map(\.table) == ["orders"])
        let table = try TablePath(parsing: "orders")
        let columns = try await source.describe(table)
        #expect(columns.map(\.name) == ["id", "amount"])
        let (rows, total) = try await source.read(table, columns: columns, window: nil, filter: nil, batchSize: 1000) { result in
            var rows = 0
            var total: Int64 = 0
            for try await batch in result {
                rows += batch.rowCount
                for row in 0..<batch.rowCount { if case .int64(let id) = batch.value(row: row, column: 0) { total += id } }
            }
            return (rows, total)
        }
        #expect(rows == 2500 && total == 2500 * 2499 / 2)
    }

    @Test func aWrongTokenIsAnAuthenticationFailureThatNamesNoSecret() async throws {
        let cluster = try DatabricksTestCluster(.running, name: "connect-auth")
        let check = await (try source(cluster: cluster.id, token: "dapi-wrong-token-0000")).test()
        #expect(check.failure?.reason == .authenticationFailed, "\(check.document)")
        #expect(!"\(check.document)".contains("dapi-wrong-token"))
    }

    @Test func aPendingClusterIsNotRunningAndExploreDoesNotStartIt() async throws {
        let cluster = try DatabricksTestCluster(.terminated, name: "connect-idle")
        let check = await (try source(cluster: cluster.id)).test()
        #expect(check.failure?.reason == .clusterNotRunning, "\(check.document)")
        #expect(cluster.startCalls == 0)
    }
}
