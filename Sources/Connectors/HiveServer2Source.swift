// Azure Databricks clusters and self-hosted Spark Thrift Servers as sources: both speak HiveServer2
// over HTTP through DatabricksSQL and Spark SQL, so one implementation serves both; Databricks adds
// the cluster checks (exists, interactive, running) that keep explore from starting a cluster.
public import DatabricksSQL
import FlowModel
import Foundation

/// A source on a HiveServer2 endpoint: an Azure Databricks interactive cluster or a Spark Thrift Server.
public struct HiveServer2Source: SourceConnector {
    /// The driver client for interactive calls (fails at once on a cluster that is not ready).
    let interactive: DatabricksSQLClient
    /// The driver client for runs (waits for a starting cluster).
    let batch: DatabricksSQLClient
    /// The connection's database (schema).
    let database: String
    /// The connection's catalog, when it names one.
    let catalog: String?
    /// How long one interactive call may take.
    let timeout: Duration
    /// How long a run waits for the cluster to run (a terminated one is started).
    let clusterWait: Duration
    /// The destination check that needs the network (DNS), run before every call.
    let checkDestination: @Sendable () async throws(ConnectorError) -> Void

    var isDatabricks: Bool { interactive.endpoint.flavor == .databricks }

    /// The namespace tables are listed from: `catalog.database` or `database`, quoted.
    var namespace: String { SQLIdentifier.quoted(path: [catalog, database].compactMap { $0 }) }

    public func test() async -> ConnectionCheck {
        do {
            try await interactiveCall("The connection test") { [self] in
                try await interactive.withSession { session in
                    let result = try await session.execute("SHOW TABLES IN \(namespace)", options: statementOptions(rows: 1))
                    _ = try await result.rows(limit: 1)
                }
            }
            return .passed
        } catch {
            return ConnectionCheck(failure: error)
        }
    }

    public func tables(after: String?, limit: Int) async throws(ConnectorError) -> TablePage {
        let names = try await interactiveCall("Listing tables") { [self] in
            try await interactive.withSession { session in
                let result = try await session.execute("SHOW TABLES IN \(namespace)", options: statementOptions(rows: 10_000))
                let nameColumn = result.schema.firstIndex { $0.name.lowercased() == "tablename" } ?? 1
                var names: [String] = []
                for try await batch in result {
                    for row in 0..<batch.rowCount {
                        // Session temporary views have no namespace; they are not the database's tables.
                        guard case .string(let space) = batch.value(row: row, column: 0), !space.isEmpty,
                            case .string(let name) = batch.value(row: row, column: nameColumn)
                        else { continue }
                        if let after, name <= after { continue }
                        names.append(name)
                    }
                }
                return names
            }
        }
        let sorted = names.sorted()
        let page = sorted.prefix(limit)
        var tables: [TablePath] = []
        for name in page { tables.append(try TablePath([catalog, database, name].compactMap { $0 })) }
        return TablePage(tables: tables, hasMore: sorted.count > limit)
    }

    public func describe(_ table: TablePath) async throws(ConnectorError) -> [SourceColumn] {
        let qualified = qualify(table)
        let options = statementOptions(rows: 10_000)
        let columns = try await interactiveCall("Describing \(qualified.displayName)") { [self] in
            try await interactive.withSession { session in try await Self.describe(qualified, in: session, options: options) }
        }
        guard !columns.isEmpty else { throw ConnectorError(.tableNotFound, "the table \(qualified.displayName) has no columns or cannot be read") }
        return columns
    }

    public func columns(of table: TablePath) async throws -> [SourceColumn] {
        let qualified = qualify(table)
        let options = StatementOptions(batchSize: 10_000)
        let columns = try await batchCall { session in try await Self.describe(qualified, in: session, options: options) }
        guard !columns.isEmpty else { throw ConnectorError(.tableNotFound, "the table \(qualified.displayName) has no columns or cannot be read") }
        return columns
    }

    /// `DESCRIBE TABLE`'s column rows (Spark prints partition and detail sections after them).
    static func describe(_ qualified: TablePath, in session: SQLSession, options: StatementOptions) async throws -> [SourceColumn] {
        let result = try await session.execute("DESCRIBE TABLE \(SQLIdentifier.quoted(path: qualified.parts))", options: options)
        var columns: [SourceColumn] = []
        var done = false
        for try await batch in result where !done {
            for row in 0..<batch.rowCount {
                guard case .string(let name) = batch.value(row: row, column: 0) else { continue }
                let type: String
                if case .string(let text) = batch.value(row: row, column: 1) { type = text } else { type = "" }
                // After the columns Spark prints sections ("# Partition Information", …)
                // whose header rows have no type.
                if name.isEmpty || (name.hasPrefix("#") && type.isEmpty) {
                    done = true
                    break
                }
                columns.append(SourceColumn(name: name, typeName: type))
            }
        }
        return columns
    }

    public func preview(_ table: TablePath, columns: [SourceColumn], filter: RowFilter?, limit: Int) async throws(ConnectorError) -> [[SQLValue]] {
        let statement = try selectStatement(table, columns: columns, filter: filter) + " LIMIT \(limit)"
        return try await interactiveCall("The preview of \(qualify(table).displayName)") { [self] in
            try await interactive.withSession { session in
                try await session.execute(statement, options: statementOptions(rows: max(limit, 1))).rows(limit: limit)
            }
        }
    }

    public func read<T: Sendable>(
        _ table: TablePath, columns: [SourceColumn], window: DeltaWindow?, filter: RowFilter?, batchSize: Int,
        _ body: sending (QueryResult) async throws -> T
    ) async throws -> T {
        let statement = try selectStatement(table, columns: columns, filter: filter, window: window)
        let options = StatementOptions(batchSize: batchSize)
        return try await batchCall { session in
            try await body(try await session.execute(statement, options: options))
        }
    }

    public func summarize(_ table: TablePath, window: DeltaWindow) async throws -> DeltaSummary {
        let statement = window.summaryStatement(from: SQLIdentifier.quoted(path: qualify(table).parts))
        let row = try await batchCall { session in try await session.execute(statement).rows().first }
        guard let row, row.count == 3, case .int64(let count) = row[0] else {
            throw ConnectorError(.sourceError, "the source answered the row count of \(qualify(table).displayName) in an unexpected shape")
        }
        func instant(_ value: SQLValue) -> Int64? {
            if case .int64(let milliseconds) = value { return milliseconds }
            return nil
        }
        return DeltaSummary(rowCount: count, earliest: instant(row[1]), latest: instant(row[2]))
    }

    /// A call of a run: destination check, (Databricks) the cluster must exist and be interactive —
    /// a terminated one is started and a starting one waited for, up to ``clusterWait`` — then
    /// `body` in a session whose time zone is UTC.
    func batchCall<T: Sendable>(_ body: sending (SQLSession) async throws -> T) async throws -> T {
        do {
            try await checkDestination()
            if isDatabricks { try await batch.ensureRunning(deadline: clusterWait, poll: .seconds(5)) }
            return try await batch.withSession { session in
                _ = try await session.execute("SET spark.sql.session.timeZone=UTC").rows()
                return try await body(session)
            }
        } catch let error as DatabricksSQLError {
            throw Self.classify(error)
        }
    }

    /// `SELECT <columns> FROM <table> [WHERE <window> AND <filter>]`, every name quoted, nested
    /// values as JSON text.
    func selectStatement(_ table: TablePath, columns: [SourceColumn], filter: RowFilter?, window: DeltaWindow? = nil) throws(ConnectorError) -> String {
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

    func statementOptions(rows: Int) -> StatementOptions {
        var options = StatementOptions(batchSize: rows)
        options.queryTimeoutSeconds = max(1, timeout.components.seconds)
        options.executionDeadline = timeout
        return options
    }

    /// Runs an interactive call: destination check, then (Databricks) the cluster must exist, be
    /// interactive and be running — a terminated cluster is never started by explore or preview —
    /// then `body`, all within the deadline.
    func interactiveCall<T: Sendable>(_ what: String, _ body: @escaping @Sendable () async throws -> T) async throws(ConnectorError) -> T {
        do {
            return try await withDeadline(timeout, what) { [self] in
                try await checkDestination()
                if isDatabricks { try await interactive.checkCluster(requireRunning: true) }
                return try await body()
            }
        } catch let error as ConnectorError {
            throw error
        } catch let error as DatabricksSQLError {
            throw Self.classify(error)
        } catch is CancellationError {
            throw ConnectorError(.timeout, "\(what) was cancelled")
        } catch {
            throw ConnectorError(.sourceError, "\(what) failed: \(error)")
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
            if upper.contains("SCHEMA_NOT_FOUND") || upper.contains("DATABASE_NOT_FOUND") || upper.contains("NO_SUCH_CATALOG") || upper.contains("CATALOG_NOT_FOUND") {
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
