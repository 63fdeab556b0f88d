// Spark SQL over HiveServer2 Thrift/HTTP (the DatabricksSQL driver): Azure Databricks clusters on the
// Databricks SQL protocol and self-hosted Spark Thrift Servers. On Databricks the cluster is checked
// first (exists, interactive, running) so explore never starts one; a run waits for it.
import DatabricksSQL

/// Statements through the HiveServer2 driver.
struct ThriftChannel: SparkSQLChannel {
    /// The driver client for interactive calls (fails at once on a cluster that is not ready).
    let interactive: DatabricksSQLClient
    /// The driver client for runs (waits for a starting cluster).
    let batch: DatabricksSQLClient
    /// How long one interactive call may take.
    let timeout: Duration
    /// How long a run waits for the cluster to run (a terminated one is started).
    let clusterWait: Duration
    /// The destination check that needs the network (DNS), run before every call.
    let checkDestination: @Sendable () async throws(ConnectorError) -> Void
    /// How a large Databricks result's CloudFetch files are downloaded; nil = rows inline only.
    var cloudFetch: CloudFetchOptions?

    /// Options of a statement with `batchSize` rows per fetch.
    func options(batchSize: Int) -> StatementOptions {
        var options = StatementOptions(batchSize: batchSize)
        options.cloudFetch = cloudFetch
        return options
    }

    var isDatabricks: Bool { interactive.endpoint.flavor == .databricks }

    func interactiveRows(_ sql: String, limit: Int, what: String) async throws(ConnectorError) -> SQLRows {
        var options = options(batchSize: min(max(limit, 1), 10_000))
        options.queryTimeoutSeconds = max(1, timeout.components.seconds)
        options.executionDeadline = timeout
        return try await interactiveCall(what) { [self, options] in
            try await interactive.withSession { session in
                let result = try await session.execute(sql, options: options)
                return SQLRows(columns: result.schema.map(\.name), rows: try await result.rows(limit: limit))
            }
        }
    }

    func batchRows(_ sql: String) async throws -> SQLRows {
        try await batchCall { session in
            let result = try await session.execute(sql, options: options(batchSize: 10_000))
            return SQLRows(columns: result.schema.map(\.name), rows: try await result.rows())
        }
    }

    func batchStream<T: Sendable>(_ sql: String, batchSize: Int, _ body: sending (SourceRows) async throws -> T) async throws -> T {
        let options = options(batchSize: batchSize)
        return try await batchCall { session in
            try await body(try await session.execute(sql, options: options))
        }
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
            throw SparkSQLSource.classify(error)
        }
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
        } catch {
            throw SparkSQLSource.connectorError(error, what)
        }
    }
}
