// Spark SQL over Spark Connect (gRPC, Arrow batches): a self-hosted Spark Connect server, or an
// Azure Databricks cluster through Databricks Connect's endpoint (the workspace host, the cluster id
// header, the token). On Databricks the cluster is checked through the Clusters API first, as on
// the Thrift channel: explore never starts a cluster, a run waits for it.
import DatabricksSQL
import SparkConnect

/// Statements through the Spark Connect client.
struct SparkConnectChannel: SparkSQLChannel {
    let client: SparkConnectClient
    /// The Databricks cluster's REST API, when the server is a Databricks cluster.
    let cluster: DatabricksSQLClient?
    /// How long one interactive call may take.
    let timeout: Duration
    /// How long a run waits for the cluster to run (a terminated one is started).
    let clusterWait: Duration
    /// The destination check that needs the network (DNS), run before every call.
    let checkDestination: @Sendable () async throws(ConnectorError) -> Void

    func interactiveRows(_ sql: String, limit: Int, what: String) async throws(ConnectorError) -> SQLRows {
        do {
            return try await withDeadline(timeout, what) { [self] in
                try await checkDestination()
                if let cluster { try await cluster.checkCluster(requireRunning: true) }
                return try await client.withSession { session in
                    let (columns, rows) = try await session.table(sql, limit: limit)
                    return SQLRows(columns: columns, rows: rows)
                }
            }
        } catch {
            throw SparkSQLSource.connectorError(error, what)
        }
    }

    func batchRows(_ sql: String) async throws -> SQLRows {
        try await batchCall { session in
            let (columns, rows) = try await session.table(sql)
            return SQLRows(columns: columns, rows: rows)
        }
    }

    func batchStream<T: Sendable>(_ sql: String, batchSize: Int, _ body: sending (SourceRows) async throws -> T) async throws -> T {
        try await batchCall { session in
            // Spark cuts its Arrow batches at this many rows (10,000 by default) or 4 MiB.
            try await session.set(["spark.sql.execution.arrow.maxRecordsPerBatch": String(max(batchSize, 1))])
            return try await session.execute(sql) { result in try await body(result) }
        }
    }

    /// A call of a run: destination check, (Databricks) the cluster started or waited for, then `body`
    /// in a session whose time zone is UTC.
    func batchCall<T: Sendable>(_ body: sending (SparkConnectSession) async throws -> T) async throws -> T {
        do {
            try await checkDestination()
            if let cluster { try await cluster.ensureRunning(deadline: clusterWait, poll: .seconds(5)) }
            return try await client.withSession { session in try await body(session) }
        } catch let error as DatabricksSQLError {
            throw SparkSQLSource.classify(error)
        }
    }
}
