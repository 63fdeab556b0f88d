// The live sources scripts/test.sh starts — the Spark Thrift Server and the Databricks-shaped TLS
// endpoint in front of it — and a database of test tables made once per run.
import DatabricksSQL
import FlowServer
import Foundation
import TestSupport
import Testing

enum LiveSources {
    static let environment = ProcessInfo.processInfo.environment
    static let sparkURL = environment["TRIBUTARY_SPARK_THRIFT_URL"].flatMap(URLComponents.init(string:))
    static let databricksOrigin = environment["TRIBUTARY_DATABRICKS_ENDPOINT"]
    static let databricksDirectory = LiveServers.databricksEndpointDirectory
    static var isAvailable: Bool { sparkURL != nil && databricksOrigin != nil && databricksDirectory != nil }
    static let skip = Comment(rawValue: "the live Spark Thrift Server and Databricks-shaped endpoint are not running: run scripts/test.sh")
    /// pyarrow's Python (scripts/pyarrow/install.sh), for reading datasets back.
    static let pyarrowPython = environment["TRIBUTARY_PYARROW_PYTHON"]
    static var canCompareDatasets: Bool { isAvailable && pyarrowPython != nil }
    static let skipComparison = Comment(
        rawValue: "the live Spark Thrift Server or pyarrow (TRIBUTARY_PYARROW_PYTHON) is missing: run scripts/test.sh"
    )
    static let parquetCheckScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../scripts/pyarrow/parquet_check.py").standardized.path

    static var sparkHost: String { sparkURL?.host ?? "127.0.0.1" }
    static var sparkPort: Int { sparkURL?.port ?? 10001 }
    /// The same server's Spark Connect port (TRIBUTARY_SPARK_CONNECT_URL, sc://host:port).
    static var sparkConnectPort: Int { LiveServers.sparkConnectPort }
    static var databricksPort: Int { databricksOrigin.flatMap(URLComponents.init(string:))?.port ?? 10443 }
    static var databricksToken: String {
        (try? String(contentsOf: databricksDirectory!.appendingPathComponent("token"), encoding: .utf8)) ?? ""
    }
    static let workspace = "1234567890123456"
    static let cluster = "0123-456789-tributary"

    /// A service that may reach the local servers (allow-listed) and trusts the endpoint's test CA.
    static func service(
        timeoutSeconds: Int = 60,
        directory: URL? = nil,
        configure: (inout ServerConfiguration) -> Void = { _ in }
    ) async throws -> TestService {
        try await TestService.make(directory: directory) { configuration in
            configuration.allowedSourceHosts = [
                "\(sparkHost):\(sparkPort)", "\(sparkHost):\(sparkConnectPort)", "127.0.0.1:\(databricksPort)", "127.0.0.1:1",
            ]
            configuration.trustedCAFile = databricksDirectory!.appendingPathComponent("ca.pem").path
            configuration.sourceTimeoutSeconds = timeoutSeconds
            configure(&configuration)
        }
    }

    /// A create body for a connection to the local Spark: its Thrift server, or over `spark_protocol`
    /// `connect` its Spark Connect server.
    static func sparkConnection(database: String, host: String? = nil, port: Int? = nil, protocol sparkProtocol: String = "thrift") -> String {
        let address =
            sparkProtocol == "connect"
            ? #""port": \#(port ?? sparkConnectPort), "protocol": "connect""#
            : #""port": \#(port ?? sparkPort), "httpPath": "\#(sparkURL?.path ?? "/cliservice")""#
        return """
            {"name": "local spark", "connectionSpec": {"id": "6f8b2c1e-3d4a-4b5c-9e7f-0a1b2c3d4e5f", "version": "1.0"},
             "auth": {"specName": "Basic Authentication",
                      "params": {"host": "\(host ?? sparkHost)", \(address),
                                 "username": "tributary", "password": "spark-secret-\(UUID().uuidString.prefix(8))", "database": \(json(database))}}}
            """
    }

    /// A create body for a connection to the Databricks-shaped endpoint.
    static func databricksConnection(database: String, cluster: String = cluster, token: String? = nil) -> String {
        """
        {"name": "databricks (local)", "connectionSpec": {"id": "e9d7ec6b-0873-4e57-ad21-b3a7c65e310b", "version": "1.0"},
         "auth": {"specName": "Access Token Authentication",
                  "params": {"domain": "https://127.0.0.1:\(databricksPort)", "clusterId": "\(cluster)",
                             "httpPath": "/sql/protocolv1/o/\(workspace)/\(cluster)",
                             "accessToken": "\(token ?? databricksToken)", "database": \(json(database))}}}
        """
    }

    static func json(_ text: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: text, options: .fragmentsAllowed), as: UTF8.self)
    }

    /// Runs statements on the live Spark.
    /// The rows of a query on the Spark Thrift Server, every cell as text (`nil` for NULL).
    static func query(_ statement: String) async throws -> [[String?]] {
        var components = sparkURL!
        components.query = nil
        let client = DatabricksSQLClient(endpoint: try .sparkThriftServer(url: components.url!, username: "tributary", password: "x"))
        let rows = try await client.withSession { session in try await session.execute(statement).rows() }
        return rows.map { row in
            row.map { value -> String? in
                switch value {
                case .null: nil
                case .string(let text): text
                case .int64(let number): String(number)
                case .int32(let number): String(number)
                default: "\(value)"
                }
            }
        }
    }

    static func run(_ statements: [String]) async throws {
        var components = sparkURL!
        components.query = nil
        let client = DatabricksSQLClient(endpoint: try .sparkThriftServer(url: components.url!, username: "tributary", password: "x"))
        try await client.withSession { session in
            for statement in statements { _ = try await session.execute(statement).rows() }
        }
    }
}

/// The tables the explore tests read, made once: every type, rows to filter, awkward column names,
/// 5,000 columns, filler views for paging, a slow view, and a global temporary view whose name has
/// spaces, quotes and backticks (Spark's catalog refuses such names for tables).
enum ExploreFixture {
    static let database = "explore_\(UUID().uuidString.prefix(8).lowercased())"
    static let hostileView = "it's a \"view\" with `ticks \(UUID().uuidString.prefix(4).lowercased())"
    static let fillerViews = (1...8).map { "filler_\($0)" }
    static let wideColumns = 5000

    static let ready = Task {
        let db = SQLIdentifier.quoted(database)
        let wide = (0..<wideColumns).map { "\($0) AS c\($0)" }.joined(separator: ", ")
        try await LiveSources.run(
            [
                "CREATE DATABASE \(db)",
                """
                CREATE TABLE \(db).types (b BOOLEAN, i8 TINYINT, i16 SMALLINT, i32 INT, i64 BIGINT, f FLOAT, d DOUBLE,
                  d15 DECIMAL(15,2), d38 DECIMAL(38,10), s STRING, v VARCHAR(10), bin BINARY, dt DATE, ts TIMESTAMP,
                  ntz TIMESTAMP_NTZ, arr ARRAY<INT>, m MAP<STRING,INT>, st STRUCT<a: INT, b: STRING>) USING parquet
                """,
                """
                INSERT INTO \(db).types VALUES
                  (true, -128, -32768, -2147483648, -9223372036854775808, CAST(0.1 AS FLOAT), 1.7976931348623157E308,
                   1234567890123.45, 1234567890123456789012345678.1234567890, 'ünï\\'cødé 🚀', 'abc', X'00FF',
                   DATE'0001-01-01', TIMESTAMP'2022-06-22 00:00:00.123456', TIMESTAMP_NTZ'2022-06-22 10:11:12',
                   array(1, NULL, 3), map('k', 1), named_struct('a', 1, 'b', 'x')),
                  (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
                """,
                """
                CREATE TABLE \(db).people USING parquet AS
                SELECT id, CASE WHEN id % 3 = 0 THEN 'DDN' WHEN id % 3 = 1 THEN 'BLR' ELSE NULL END AS city,
                       CAST(id % 90 AS INT) AS age, concat('name ', id) AS name,
                       CAST(TIMESTAMP'2022-01-01 00:00:00' + make_interval(0, 0, 0, CAST(id AS INT)) AS TIMESTAMP) AS joined
                FROM range(150)
                """,
                "CREATE TABLE \(db).cols (`col one` INT, `we\"ird` STRING, `it's` INT, `back``tick` INT, `dot.ted` INT) USING parquet",
                "INSERT INTO \(db).cols VALUES (1, 'a', 2, 3, 4)",
                "CREATE TABLE \(db).wide USING parquet AS SELECT \(wide)",
                """
                CREATE TABLE \(db).nested USING parquet AS SELECT
                  array('with "quote"', NULL, 'back\\\\slash') AS tags,
                  map('k"1', named_struct('x', 'a"b', 'y', CAST(NULL AS INT))) AS m,
                  named_struct('s', 'two\\nlines', 'ts', TIMESTAMP'2024-01-02 03:04:05.123456', 'd', DATE'2024-01-02', 'l', array(1, 2)) AS st
                """,
                "CREATE VIEW \(db).slow AS SELECT id, reflect('java.lang.Thread', 'sleep', CAST(8000 AS BIGINT)) AS pause FROM range(1)",
                "CREATE GLOBAL TEMPORARY VIEW \(SQLIdentifier.quoted(hostileView)) AS SELECT 1 AS `x y`, 'a' AS `it's`",
            ] + fillerViews.map { "CREATE VIEW \(db).\($0) AS SELECT 1 AS one" }
        )
    }

    /// Every table of the database, in name order.
    static var tables: [String] { (["cols", "nested", "people", "slow", "types", "wide"] + fillerViews).sorted() }
}
