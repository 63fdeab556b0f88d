// Azure Databricks clusters and self-hosted Spark servers as sources. Every one speaks Spark SQL,
// so the statements — list, describe, preview, read, count — are written once here; how they reach
// the server (HiveServer2 Thrift over HTTP, or Spark Connect) is the channel's business.
public import DatabricksSQL
import FlowModel
import Foundation

/// The rows of a small statement, with its column names.
struct SQLRows: Sendable {
    var columns: [String]
    var rows: [[SQLValue]]
}

/// How a Spark SQL source's statements reach it.
protocol SparkSQLChannel: Sendable {
    /// At most `limit` rows of `sql`, for explore: within the interactive deadline, after the
    /// destination check, and — on Databricks — only while the cluster runs (explore never starts one).
    func interactiveRows(_ sql: String, limit: Int, what: String) async throws(ConnectorError) -> SQLRows
    /// The rows of `sql` for a run: waits for a starting cluster (a terminated one is started).
    func batchRows(_ sql: String) async throws -> SQLRows
    /// Streams the rows of `sql` to `body` for a run, in batches of at most about `batchSize` rows.
    func batchStream<T: Sendable>(_ sql: String, batchSize: Int, _ body: sending (SourceRows) async throws -> T) async throws -> T
}

/// A table's rows as a source streams them: batches in order, each bounded.
public typealias SourceRows = any AsyncSequence<ResultBatch, DatabricksSQLError> & Sendable

/// A source that speaks Spark SQL: an Azure Databricks interactive cluster, a Spark Thrift Server
/// or a Spark Connect server.
struct SparkSQLSource: SourceConnector {
    /// How statements reach the server.
    let channel: any SparkSQLChannel
    /// The connection's database (schema).
    let database: String
    /// The connection's catalog, when it names one.
    let catalog: String?

    /// The namespace tables are listed from: `catalog.database` or `database`, quoted.
    var namespace: String { SQLIdentifier.quoted(path: [catalog, database].compactMap { $0 }) }

    func test() async -> ConnectionCheck {
        do {
            _ = try await channel.interactiveRows("SHOW TABLES IN \(namespace)", limit: 1, what: "The connection test")
            return .passed
        } catch {
            return ConnectionCheck(failure: error)
        }
    }

    func tables(after: String?, limit: Int) async throws(ConnectorError) -> TablePage {
        let listed = try await channel.interactiveRows("SHOW TABLES IN \(namespace)", limit: .max, what: "Listing tables")
        let nameColumn = listed.columns.firstIndex { $0.lowercased() == "tablename" } ?? 1
        var names: [String] = []
        for row in listed.rows where row.count > nameColumn {
            // Session temporary views have no namespace; they are not the database's tables.
            guard case .string(let space) = row[0], !space.isEmpty, case .string(let name) = row[nameColumn] else { continue }
            if let after, name <= after { continue }
            names.append(name)
        }
        let sorted = names.sorted()
        var tables: [TablePath] = []
        for name in sorted.prefix(limit) { tables.append(try TablePath([catalog, database, name].compactMap { $0 })) }
        return TablePage(tables: tables, hasMore: sorted.count > limit)
    }

    func describe(_ table: TablePath) async throws(ConnectorError) -> [SourceColumn] {
        let qualified = qualify(table)
        let described = try await channel.interactiveRows(Self.describeStatement(qualified), limit: .max, what: "Describing \(qualified.displayName)")
        let columns = Self.columns(described)
        guard !columns.isEmpty else { throw ConnectorError(.tableNotFound, "the table \(qualified.displayName) has no columns or cannot be read") }
        return columns
    }

    func columns(of table: TablePath) async throws -> [SourceColumn] {
        let qualified = qualify(table)
        let columns = Self.columns(try await channel.batchRows(Self.describeStatement(qualified)))
        guard !columns.isEmpty else { throw ConnectorError(.tableNotFound, "the table \(qualified.displayName) has no columns or cannot be read") }
        return columns
    }

    static func describeStatement(_ qualified: TablePath) -> String { "DESCRIBE TABLE \(SQLIdentifier.quoted(path: qualified.parts))" }

    /// `DESCRIBE TABLE`'s column rows (Spark prints partition and detail sections after them).
    static func columns(_ described: SQLRows) -> [SourceColumn] {
        var columns: [SourceColumn] = []
        for row in described.rows {
            guard row.count >= 2, case .string(let name) = row[0] else { continue }
            let type: String
            if case .string(let text) = row[1] { type = text } else { type = "" }
            // After the columns Spark prints sections ("# Partition Information", …) whose header rows have no type.
            if name.isEmpty || (name.hasPrefix("#") && type.isEmpty) { break }
            columns.append(SourceColumn(name: name, typeName: type))
        }
        return columns
    }

    func preview(_ table: TablePath, columns: [SourceColumn], filter: RowFilter?, limit: Int) async throws(ConnectorError) -> [[SQLValue]] {
        let statement = try selectStatement(table, columns: columns, filter: filter) + " LIMIT \(limit)"
        return try await channel.interactiveRows(statement, limit: limit, what: "The preview of \(qualify(table).displayName)").rows
    }

    func read<T: Sendable>(
        _ table: TablePath,
        columns: [SourceColumn],
        window: DeltaWindow?,
        filter: RowFilter?,
        batchSize: Int,
        _ body: sending (SourceRows) async throws -> T
    ) async throws -> T {
        let statement = try selectStatement(table, columns: columns, filter: filter, window: window)
        return try await channel.batchStream(statement, batchSize: batchSize, body)
    }

    func summarize(_ table: TablePath, window: DeltaWindow) async throws -> DeltaSummary {
        let statement = window.summaryStatement(from: SQLIdentifier.quoted(path: qualify(table).parts))
        let row = try await channel.batchRows(statement).rows.first
        guard let row, row.count == 3, case .int64(let count) = row[0] else {
            throw ConnectorError(.sourceError, "the source answered the row count of \(qualify(table).displayName) in an unexpected shape")
        }
        func instant(_ value: SQLValue) -> Int64? {
            if case .int64(let milliseconds) = value { return milliseconds }
            return nil
        }
        return DeltaSummary(rowCount: count, earliest: instant(row[1]), latest: instant(row[2]))
    }

    /// `SELECT <columns> FROM <table> [WHERE <window> AND <filter>]`, every name quoted, nested
    /// values as JSON text.
    func selectStatement(_ table: TablePath, columns: [SourceColumn], filter: RowFilter?, window: DeltaWindow? = nil) throws(ConnectorError) -> String
    {
        let list = columns.isEmpty ? "*" : columns.map(\.selectExpression).joined(separator: ", ")
        var statement = "SELECT \(list) FROM \(SQLIdentifier.quoted(path: qualify(table).parts))"
        var conditions: [String] = []
        if let condition = window?.condition { conditions.append(condition) }
        if let filter { conditions.append(try filter.sql(columns: columns)) }
        if !conditions.isEmpty { statement += " WHERE " + conditions.joined(separator: " AND ") }
        return statement
    }

    /// A path completed with the connection's catalog and database: `t` → `[catalog.]database.t`,
    /// `db.t` → `[catalog.]db.t`.
    func qualify(_ table: TablePath) -> TablePath {
        switch table.parts.count {
        case 1: (try? TablePath([catalog, database, table.table].compactMap { $0 })) ?? table
        case 2: (try? TablePath([catalog].compactMap { $0 } + table.parts)) ?? table
        default: table
        }
    }

    /// Any failure of an interactive call in the user's terms.
    static func connectorError(_ error: any Error, _ what: String) -> ConnectorError {
        switch error {
        case let error as ConnectorError: error
        case let error as DatabricksSQLError: classify(error)
        case is CancellationError: ConnectorError(.timeout, "\(what) was cancelled")
        default: ConnectorError(.sourceError, "\(what) failed: \(error)")
        }
    }

    /// The driver's error in the user's terms.
    static func classify(_ error: DatabricksSQLError) -> ConnectorError {
        let message = error.code == .sql ? summary(of: error.message) : error.message
        switch error.code {
        case .authentication:
            if error.httpStatus == 403, message.lowercased().contains("permission") {
                return ConnectorError(.permissionDenied, "the source denied permission: \(message)")
            }
            return ConnectorError(.authenticationFailed, "the source refused the credentials (check the access token or password): \(message)")
        case .clusterNotFound: return ConnectorError(.clusterNotFound, message)
        case .jobCluster: return ConnectorError(.jobCluster, message)
        case .clusterNotReady: return ConnectorError(.clusterNotRunning, message)
        case .connection: return ConnectorError(.unreachable, "the source could not be reached: \(message)")
        case .timeout: return ConnectorError(.timeout, message)
        case .cancelled: return ConnectorError(.timeout, message)
        case .invalidConfiguration: return ConnectorError(.invalidConfiguration, message)
        case .sql:
            let upper = message.uppercased()
            if upper.contains("SCHEMA_NOT_FOUND") || upper.contains("DATABASE_NOT_FOUND") || upper.contains("NO_SUCH_CATALOG")
                || upper.contains("CATALOG_NOT_FOUND")
            {
                return ConnectorError(.databaseNotFound, "the database does not exist: \(message)")
            }
            if upper.contains("TABLE_OR_VIEW_NOT_FOUND") || error.sqlState == "42P01" {
                return ConnectorError(.tableNotFound, "the table does not exist: \(message)")
            }
            if upper.contains("INSUFFICIENT_PERMISSIONS") || upper.contains("PERMISSION_DENIED") || error.sqlState == "42501" {
                return ConnectorError(.permissionDenied, "the source denied permission: \(message)")
            }
            if upper.contains("UNRESOLVED_COLUMN") || upper.contains("DATATYPE_MISMATCH") || upper.contains("CAST_INVALID_INPUT") {
                return ConnectorError(.invalidFilter, "the source rejected the filter: \(message)")
            }
            return ConnectorError(.sourceError, message)
        default:
            return ConnectorError(.sourceError, error.description)
        }
    }

    /// The part of a Spark error a user needs: the first line, without the driver's "Error running
    /// query:" preamble, the repeated error class and Java exception names, at most 600 characters.
    /// (The rest is the analyzer's plan, for the server's log rather than the user.)
    static func summary(of message: String) -> String {
        var text = Substring(message.prefix { $0 != "\n" })
        if text.hasPrefix("Error running query: ") { text = text.dropFirst("Error running query: ".count) }
        // "[CLASS] org.apache…Exception: [CLASS] text" → "[CLASS] text"
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let errorClass = text[...close]
            var rest = text[text.index(after: close)...].drop { $0 == " " }
            if let colon = rest.range(of: ": "), rest[..<colon.lowerBound].allSatisfy({ !$0.isWhitespace }), rest[..<colon.lowerBound].contains(".") {
                rest = rest[colon.upperBound...]
            }
            text = rest.hasPrefix(errorClass) ? rest : Substring(errorClass + " " + rest)
        }
        return text.count > 600 ? String(text.prefix(599)) + "…" : String(text)
    }
}
