// `tributary sql`: run one statement against a Databricks cluster, a Spark Thrift Server or a Spark
// Connect server and print the result as a table, for users checking their credentials.
import ArgumentParser
import DatabricksSQL
import Foundation
import SparkConnect

struct SQLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sql",
        abstract: "Run one SQL statement against a Databricks cluster, a Spark Thrift Server or a Spark Connect server and print the rows.",
        discussion: """
            Databricks: --domain https://adb-<id>.<n>.azuredatabricks.net --cluster-id <id>, token from $DATABRICKS_TOKEN;
              add --connect to go through Spark Connect (Databricks Connect's endpoint) instead of the SQL protocol.
            Spark Thrift Server: --spark-url http://host:10001/cliservice [--username u], password from $SPARK_PASSWORD.
            Spark Connect: --connect sc://host:15002[/;use_ssl=true], token (if any) from $SPARK_CONNECT_TOKEN.
            Secrets are read from the environment only, never from arguments (which other users can see).
            """
    )

    @Option(help: "Databricks workspace URL.") var domain: String?
    @Option(name: .customLong("cluster-id"), help: "Databricks interactive cluster id.") var clusterId: String?
    @Option(name: .customLong("http-path"), help: "Cluster HTTP path, when the workspace URL does not carry the workspace id.")
    var httpPath: String?
    @Option(name: .customLong("spark-url"), help: "Spark Thrift Server URL (HTTP transport mode).") var sparkURL: String?
    @Option(
        name: .customLong("connect"),
        help: ArgumentHelp("A Spark Connect server: sc://host:port[/;use_ssl=true].", valueName: "address")
    )
    var connect: String?
    @Flag(name: .customLong("databricks-connect"), help: "With --domain: read through Spark Connect.") var databricksConnect = false
    @Option(help: "Spark user name.") var username = "tributary"
    @Option(help: "Database to start in.") var database: String?
    @Option(help: "Catalog (Databricks Unity Catalog).") var catalog: String?
    @Option(name: .customLong("max-rows"), help: "Rows to print at most.") var maxRows = 100
    @Option(help: "Seconds to wait for a starting cluster (0 = fail at once).") var wait = 0
    @Argument(help: "The statement.") var statement: String

    func endpoint() throws -> SQLEndpoint {
        let environment = ProcessInfo.processInfo.environment
        if let domain {
            guard let clusterId else { throw ValidationError("--cluster-id is required with --domain") }
            guard let token = environment["DATABRICKS_TOKEN"], !token.isEmpty else {
                throw ValidationError("set DATABRICKS_TOKEN to a Databricks personal access token")
            }
            return try SQLEndpoint.databricks(domain: domain, clusterId: clusterId, accessToken: token, httpPath: httpPath)
        }
        guard let sparkURL, let url = URL(string: sparkURL) else { throw ValidationError("give --domain (Databricks) or --spark-url (Spark)") }
        return try SQLEndpoint.sparkThriftServer(url: url, username: username, password: environment["SPARK_PASSWORD"] ?? "x")
    }

    /// The Spark Connect endpoint, when the statement goes through Spark Connect.
    func connectEndpoint() throws -> SparkConnectEndpoint? {
        let environment = ProcessInfo.processInfo.environment
        if databricksConnect {
            guard let domain, let clusterId else { throw ValidationError("--databricks-connect needs --domain and --cluster-id") }
            guard let token = environment["DATABRICKS_TOKEN"], !token.isEmpty else {
                throw ValidationError("set DATABRICKS_TOKEN to a Databricks personal access token")
            }
            return try SparkConnectEndpoint.databricks(domain: domain, clusterId: clusterId, accessToken: token)
        }
        guard let connect else { return nil }
        var endpoint = try SparkConnectEndpoint.connectionString(connect, token: environment["SPARK_CONNECT_TOKEN"])
        if username != "tributary" { endpoint.userId = username }
        return endpoint
    }

    func run() async throws {
        guard maxRows >= 0, wait >= 0 else { throw ValidationError("--max-rows and --wait must not be negative") }
        if let endpoint = try connectEndpoint() {
            return try await run(SparkConnectClient(endpoint: endpoint))
        }
        var policy = RetryPolicy.interactive
        policy.unavailableDeadline = .seconds(wait)
        let client = DatabricksSQLClient(endpoint: try endpoint(), retryPolicy: policy)
        do {
            let (header, rows, more) = try await client.withSession(database: database, catalog: catalog) { session in
                let result = try await session.execute(statement)
                let rows = try await result.rows(limit: maxRows + 1)
                return (result.schema, Array(rows.prefix(maxRows)), rows.count > maxRows)
            }
            print(ResultTable.render(columns: header.map(\.name), rows: rows.map { $0.map(ResultTable.text) }))
            print(more ? "(first \(maxRows) rows)" : "(\(rows.count) row\(rows.count == 1 ? "" : "s"))")
        } catch let error as DatabricksSQLError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}

extension SQLCommand {
    /// The statement through Spark Connect.
    func run(_ client: SparkConnectClient) async throws {
        do {
            let (header, rows, more) = try await client.withSession(database: database) { session in
                var (header, rows) = try await session.table(statement, limit: maxRows + 1)
                if header.isEmpty { header = try await session.schema(of: statement).map(\.name) }
                return (header, Array(rows.prefix(maxRows)), rows.count > maxRows)
            }
            print(ResultTable.render(columns: header, rows: rows.map { $0.map(ResultTable.text) }))
            print(more ? "(first \(maxRows) rows)" : "(\(rows.count) row\(rows.count == 1 ? "" : "s"))")
        } catch let error as DatabricksSQLError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}

/// Plain-text tables for the terminal.
enum ResultTable {
    static func text(_ value: SQLValue) -> String {
        switch value {
        case .null: "NULL"
        case .bool(let value): String(value)
        case .int8(let value): String(value)
        case .int16(let value): String(value)
        case .int32(let value): String(value)
        case .int64(let value): String(value)
        case .float(let value): String(value)
        case .double(let value): String(value)
        case .string(let value), .json(let value), .interval(let value): value
        case .binary(let value): "0x" + value.map { String(format: "%02x", $0) }.joined()
        case .decimal(let value): value.text
        case .date(let days): Date(timeIntervalSince1970: Double(days) * 86_400).formatted(.iso8601.year().month().day())
        case .timestamp(let micros):
            Date(timeIntervalSince1970: Double(micros) / 1_000_000).formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true))
        }
    }

    static func render(columns: [String], rows: [[String]]) -> String {
        let cells = rows.map { $0.map { $0.replacingOccurrences(of: "\n", with: "⏎") } }
        var widths = columns.map(\.count)
        for row in cells {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = min(max(widths[index], cell.count), 60) }
        }
        func line(_ values: [String]) -> String {
            zip(values, widths).map { value, width in
                let clipped = value.count > width ? String(value.prefix(width - 1)) + "…" : value
                return clipped + String(repeating: " ", count: width - clipped.count)
            }.joined(separator: " | ")
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "-+-")
        return ([line(columns), rule] + cells.map(line)).joined(separator: "\n")
    }
}
