// A Spark Connect session: a session id the server keys its state on (config, temporary views),
// statements executed as SQL relations, their schemas analyzed, and the session released at the end.
import DatabricksSQL
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import SparkConnectProtocol

/// One session on a Spark Connect server; made by ``SparkConnectClient/withSession(database:_:)``.
public struct SparkConnectSession: Sendable {
    let client: SparkConnectClient
    let service: Spark_Connect_SparkConnectService.Client<HTTP2ClientTransport.Posix>
    /// The session's id (a UUID the client chooses).
    public let id = UUID().uuidString.lowercased()

    /// What identifies this client to the server in every request.
    static let clientType = "tributary"

    var userContext: Spark_Connect_UserContext {
        var context = Spark_Connect_UserContext()
        context.userID = client.endpoint.userId
        return context
    }

    /// Executes `sql` and hands its result, a stream of Arrow batches, to `body`. The result is read
    /// as fast as `body` takes it (gRPC flow control holds the server back); a stream the server or
    /// the network breaks is resumed where it stopped (`ReattachExecute`), so every row comes once.
    /// When `body` returns before the end, or the task is cancelled, the statement is interrupted on
    /// the server. The execution is released on the server at the end either way.
    public func execute<T: Sendable>(_ sql: String, _ body: (SparkConnectResult) async throws -> T) async throws -> T {
        let execution = ReattachableExecution(session: self, plan: Self.plan(sql))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await execution.run() }
            do {
                let value = try await body(SparkConnectResult(execution: execution))
                group.cancelAll()
                await group.waitForAllIgnoringErrors()
                return value
            } catch {
                group.cancelAll()
                await group.waitForAllIgnoringErrors()
                throw error
            }
        }
    }

    /// Every row of `sql` (for small results: settings, metadata, previews), at most `limit`.
    public func rows(_ sql: String, limit: Int = .max) async throws -> [[SQLValue]] {
        try await table(sql, limit: limit).rows
    }

    /// At most `limit` rows of `sql` with the result's column names (none when no row came: ask
    /// ``schema(of:)`` then). Reading stops, and the rest is interrupted, at the limit.
    public func table(_ sql: String, limit: Int = .max) async throws -> (columns: [String], rows: [[SQLValue]]) {
        try await execute(sql) { result in
            var columns: [String] = []
            var rows: [[SQLValue]] = []
            for try await batch in result {
                if columns.isEmpty { columns = batch.schema.map(\.name) }
                for index in 0..<batch.rowCount where rows.count < limit { rows.append(batch.row(index)) }
                if rows.count >= limit { break }
            }
            return (columns, rows)
        }
    }

    /// The columns `sql` would produce, without running it (`AnalyzePlan`).
    public func schema(of sql: String) async throws(DatabricksSQLError) -> [ColumnDescriptor] {
        var request = Spark_Connect_AnalyzePlanRequest()
        request.sessionID = id
        request.userContext = userContext
        request.clientType = Self.clientType
        var schema = Spark_Connect_AnalyzePlanRequest.Schema()
        schema.plan = Self.plan(sql)
        request.analyze = .schema(schema)
        do {
            let response = try await service.analyzePlan(request, metadata: client.metadata, options: client.unaryOptions)
            guard case .struct(let fields) = response.schema.schema.kind else {
                throw DatabricksSQLError(
                    .protocolViolation,
                    "the server described the result as \(response.schema.schema.kind.map { "\($0)" } ?? "nothing"), not a row"
                )
            }
            return fields.fields.enumerated().map { index, field in
                ColumnDescriptor(name: field.name, type: SparkTypes.sqlType(field.dataType), position: index + 1)
            }
        } catch {
            throw SparkConnectErrors.driverError(error, endpoint: client.endpoint)
        }
    }

    /// Sets session settings (`spark.sql.*`).
    public func set(_ settings: [String: String]) async throws(DatabricksSQLError) {
        var request = Spark_Connect_ConfigRequest()
        request.sessionID = id
        request.userContext = userContext
        request.clientType = Self.clientType
        var set = Spark_Connect_ConfigRequest.Set()
        set.pairs = settings.sorted { $0.key < $1.key }.map { key, value in
            var pair = Spark_Connect_KeyValue()
            pair.key = key
            pair.value = value
            return pair
        }
        var operation = Spark_Connect_ConfigRequest.Operation()
        operation.set = set
        request.operation = operation
        do {
            _ = try await service.config(request, metadata: client.metadata, options: client.unaryOptions)
        } catch {
            throw SparkConnectErrors.driverError(error, endpoint: client.endpoint)
        }
    }

    /// Asks the server to stop an operation (its Spark jobs are cancelled). Best effort.
    func interrupt(operation: String) async {
        var request = Spark_Connect_InterruptRequest()
        request.sessionID = id
        request.userContext = userContext
        request.clientType = Self.clientType
        request.interruptType = .operationID
        request.operationID = operation
        do {
            _ = try await service.interrupt(request, metadata: client.metadata, options: client.unaryOptions)
        } catch {
            client.logger.debug(
                "interrupting a Spark Connect operation failed",
                metadata: ["error": "\(SparkConnectErrors.driverError(error, endpoint: client.endpoint))"]
            )
        }
    }

    /// Lets the server drop what it keeps of an operation for a reattach: the responses up to
    /// `response`, or everything (the operation ends) when `response` is nil. Best effort.
    func releaseExecute(operation: String, until response: String?) async {
        var request = Spark_Connect_ReleaseExecuteRequest()
        request.sessionID = id
        request.userContext = userContext
        request.clientType = Self.clientType
        request.operationID = operation
        if let response {
            var until = Spark_Connect_ReleaseExecuteRequest.ReleaseUntil()
            until.responseID = response
            request.releaseUntil = until
        } else {
            request.releaseAll = Spark_Connect_ReleaseExecuteRequest.ReleaseAll()
        }
        do {
            _ = try await service.releaseExecute(request, metadata: client.metadata, options: client.unaryOptions)
        } catch {
            client.logger.debug(
                "releasing a Spark Connect operation failed",
                metadata: ["error": "\(SparkConnectErrors.driverError(error, endpoint: client.endpoint))"]
            )
        }
    }

    /// Ends the session on the server. Best effort.
    func release() async {
        var request = Spark_Connect_ReleaseSessionRequest()
        request.sessionID = id
        request.userContext = userContext
        request.clientType = Self.clientType
        do {
            _ = try await service.releaseSession(request, metadata: client.metadata, options: client.unaryOptions)
        } catch {
            client.logger.debug(
                "releasing a Spark Connect session failed",
                metadata: ["error": "\(SparkConnectErrors.driverError(error, endpoint: client.endpoint))"]
            )
        }
    }

    /// A plan whose root is the SQL relation `sql`.
    static func plan(_ sql: String) -> Spark_Connect_Plan {
        var query = Spark_Connect_SQL()
        query.query = sql
        var relation = Spark_Connect_Relation()
        relation.sql = query
        var plan = Spark_Connect_Plan()
        plan.root = relation
        return plan
    }
}

extension ThrowingTaskGroup {
    /// Waits for every child, whatever they throw (their errors reach the caller another way).
    mutating func waitForAllIgnoringErrors() async {
        while !isEmpty { _ = try? await next() }
    }
}
