// A HiveServer2 session: open it, run statements, stream their results in bounded batches, list
// schemas, tables and columns, and close it. Calls on a session are sequential (an actor).
import AsyncHTTPClient
import Foundation
import Logging
import Thrift

/// Options of a statement.
public struct StatementOptions: Sendable {
    /// Rows per fetch (and per batch). Memory use is bounded by this.
    public var batchSize: Int
    /// Server-side statement timeout in seconds; 0 = none.
    public var queryTimeoutSeconds: Int64 = 0
    /// How long to wait for the statement to finish before fetching, in total.
    public var executionDeadline: Duration = .seconds(3600)
    /// Whether Databricks may answer a large result with CloudFetch links to result files (the
    /// official drivers' default), and how they are downloaded; nil = rows inline only.
    public var cloudFetch: CloudFetchOptions? = CloudFetchOptions()

    /// The defaults, with `batchSize` rows per fetch.
    public init(batchSize: Int = 50_000) {
        self.batchSize = batchSize
    }
}

/// An open session on a Databricks cluster or Spark Thrift Server.
public actor SQLSession {
    let transport: ThriftHTTPTransport
    let handle: SessionHandle
    /// The protocol version the server chose.
    public nonisolated let serverProtocolVersion: Int32
    private var sequenceId: Int32 = 0
    private var isClosed = false
    nonisolated var flavor: SQLEndpoint.Flavor { transport.endpoint.flavor }

    /// Spark's `TProtocolVersion.HIVE_CLI_SERVICE_PROTOCOL_V10`, understood by OSS servers.
    static let hiveProtocolV10: Int32 = 9
    /// `SPARK_CLI_SERVICE_PROTOCOL_V8`, what the Go and Node drivers send to Databricks.
    static let sparkProtocolV8: Int64 = 0xA508

    init(transport: ThriftHTTPTransport, handle: SessionHandle, serverProtocolVersion: Int32) {
        self.transport = transport
        self.handle = handle
        self.serverProtocolVersion = serverProtocolVersion
    }

    /// Opens a session with `database` as the current database (and `catalog`, on Databricks).
    static func open(transport: ThriftHTTPTransport, database: String?, catalog: String?) async throws(DatabricksSQLError) -> SQLSession {
        var request = OpenSessionRequest()
        request.configuration["spark.sql.session.timeZone"] = "UTC"
        switch transport.endpoint.flavor {
        case .databricks:
            request.clientProtocolI64 = sparkProtocolV8
            request.initialSchema = database
            request.initialCatalog = catalog
            request.canUseMultipleCatalogs = true
        case .sparkThriftServer:
            request.clientProtocol = hiveProtocolV10
            if let database { request.configuration["use:database"] = database }
        }
        let body = ThriftCall.encode(method: "OpenSession", sequenceId: 0) { request.encode(to: &$0) }
        let reply = try await transport.roundTrip(body, method: "OpenSession", idempotent: true)
        let response = try ThriftCall.decodeReply(reply, method: "OpenSession", sequenceId: 0, as: OpenSessionResponse.self)
        try check(response.status, "OpenSession")
        guard let handle = response.sessionHandle else {
            throw DatabricksSQLError(.protocolViolation, "OpenSession succeeded without a session handle")
        }
        let session = SQLSession(transport: transport, handle: handle, serverProtocolVersion: response.serverProtocolVersion)
        // Servers before SPARK_CLI_SERVICE_PROTOCOL_V4 ignore initialNamespace: switch database explicitly.
        if transport.endpoint.flavor == .databricks, let database, response.serverProtocolVersion < sparkProtocolV4 {
            do {
                _ = try await session.execute("USE \(SQLIdentifier.quoted(database))").rows()
            } catch {
                await session.close()
                throw error
            }
        }
        return session
    }

    /// `SPARK_CLI_SERVICE_PROTOCOL_V1`: from here on `hasMoreRows` is meaningful and direct results exist.
    static let sparkProtocolV1: Int32 = 0xA501
    /// `SPARK_CLI_SERVICE_PROTOCOL_V4`: from here on `initialNamespace` is honoured.
    static let sparkProtocolV4: Int32 = 0xA504

    /// Whether the server's `hasMoreRows == false` can be trusted (Databricks); OSS Spark always
    /// answers false, so there only an empty page ends a result.
    nonisolated var trustsHasMoreRows: Bool { serverProtocolVersion >= Self.sparkProtocolV1 }

    static func check(_ status: ResponseStatus, _ method: String) throws(DatabricksSQLError) {
        guard !status.isSuccess else { return }
        if status.code == StatusCode.invalidHandle.rawValue {
            throw DatabricksSQLError(.invalidHandle, "\(method): \(status.errorMessage ?? "the handle is no longer valid")")
        }
        let message = summarize(status.displayMessage ?? status.errorMessage ?? "\(method) failed")
        if message.contains("Invalid SessionHandle") || message.contains("Invalid OperationHandle") {
            throw DatabricksSQLError(.invalidHandle, message, sqlState: status.sqlState)
        }
        throw DatabricksSQLError(.sql, message, sqlState: status.sqlState)
    }

    /// One call on this session.
    func call<Response: ThriftResponse>(
        _ method: String,
        idempotent: Bool,
        as response: Response.Type,
        request: (inout ThriftBinaryWriter) -> Void
    ) async throws(DatabricksSQLError) -> Response {
        guard !isClosed else { throw DatabricksSQLError(.invalidHandle, "the session is closed") }
        sequenceId &+= 1
        let id = sequenceId
        let body = ThriftCall.encode(method: method, sequenceId: id, request: request)
        let reply = try await transport.roundTrip(body, method: method, idempotent: idempotent)
        return try ThriftCall.decodeReply(reply, method: method, sequenceId: id, as: response)
    }

    // MARK: Statements

    /// Runs `statement` and returns its result, to be read as a stream of batches. Waits (polling)
    /// until the statement finishes; cancelling the task cancels the statement on the server.
    public func execute(_ statement: String, options: StatementOptions = StatementOptions()) async throws(DatabricksSQLError) -> QueryResult {
        var request = ExecuteStatementRequest(sessionHandle: handle, statement: statement)
        request.runAsync = true
        request.queryTimeout = options.queryTimeoutSeconds
        if flavor == .databricks {
            request.directResultsMaxRows = Int64(options.batchSize)
            request.directResultsMaxBytes = 100 << 20
            request.arrow = true
            request.cloudFetch = options.cloudFetch != nil
        }
        let response = try await call("ExecuteStatement", idempotent: false, as: OperationStartResponse.self, request: { request.encode(to: &$0) })
        return try await started(response, "ExecuteStatement", options: options)
    }

    /// Lists schemas (databases) matching a pattern (`%`, `_`).
    public func schemas(catalog: String? = nil, pattern: String? = nil) async throws(DatabricksSQLError) -> QueryResult {
        try await metadata(MetadataRequest(kind: .schemas, sessionHandle: handle, catalogName: catalog, schemaPattern: pattern))
    }

    /// Lists tables of schemas matching `schemaPattern` whose names match `tablePattern`.
    public func tables(
        catalog: String? = nil,
        schemaPattern: String?,
        tablePattern: String? = nil,
        types: [String]? = nil
    ) async throws(DatabricksSQLError) -> QueryResult {
        try await metadata(
            MetadataRequest(
                kind: .tables,
                sessionHandle: handle,
                catalogName: catalog,
                schemaPattern: schemaPattern,
                tablePattern: tablePattern,
                tableTypes: types
            )
        )
    }

    /// Lists columns of matching tables (JDBC `getColumns` layout: resolve columns by name).
    public func columns(
        catalog: String? = nil,
        schemaPattern: String?,
        tablePattern: String?,
        columnPattern: String? = nil
    ) async throws(DatabricksSQLError) -> QueryResult {
        try await metadata(
            MetadataRequest(
                kind: .columns,
                sessionHandle: handle,
                catalogName: catalog,
                schemaPattern: schemaPattern,
                tablePattern: tablePattern,
                columnPattern: columnPattern
            )
        )
    }

    private func metadata(_ request: MetadataRequest) async throws(DatabricksSQLError) -> QueryResult {
        var request = request
        if flavor == .databricks { request.directResultsMaxRows = 10_000 }
        let response = try await call(request.method, idempotent: true, as: OperationStartResponse.self, request: { request.encode(to: &$0) })
        return try await started(response, request.method, options: StatementOptions())
    }

    /// From a started operation to a readable result: wait for it, read its schema.
    func started(_ response: OperationStartResponse, _ method: String, options: StatementOptions) async throws(DatabricksSQLError) -> QueryResult {
        try Self.check(response.status, method)
        let direct = response.directResults
        guard let operation = response.operationHandle else {
            throw DatabricksSQLError(.protocolViolation, "\(method) succeeded without an operation handle")
        }
        var status = direct?.operationStatus
        if status == nil || status?.operationState?.isTerminal != true {
            status = try await waitUntilDone(operation, deadline: options.executionDeadline)
        }
        guard let finalStatus = status else { throw DatabricksSQLError(.protocolViolation, "no operation status") }
        try await checkFinished(finalStatus, operation: operation, closedByServer: direct?.closeOperation != nil)
        let hasResultSet = finalStatus.hasResultSet ?? operation.hasResultSet
        var schema: [ColumnDescriptor] = []
        var encoding = ResultEncoding.columns
        if hasResultSet {
            var metadata: ResultSetMetadataResponse
            if let direct = direct?.resultSetMetadata {
                metadata = direct
            } else {
                metadata = try await call(
                    "GetResultSetMetadata",
                    idempotent: true,
                    as: ResultSetMetadataResponse.self,
                    request: { OperationRequest(operationHandle: operation).encode(to: &$0) }
                )
            }
            try Self.check(metadata.status, "GetResultSetMetadata")
            schema = metadata.schema?.columns ?? []
            encoding = try Self.encoding(of: metadata, cloudFetch: options.cloudFetch)
        }
        let modified = finalStatus.numModifiedRows ?? operation.modifiedRowCount.map { Int64($0) }
        return QueryResult(
            session: self,
            operation: operation,
            schema: schema,
            hasResultSet: hasResultSet,
            firstPage: direct?.resultSet,
            closedByServer: direct?.closeOperation != nil,
            batchSize: options.batchSize,
            modifiedRowCount: modified,
            encoding: encoding
        )
    }

    /// A server error message without the Java stack trace and exception class names that OSS
    /// Spark appends: what a user reads.
    static func summarize(_ message: String) -> String {
        var lines: [Substring] = []
        for line in message.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("\tat ") || line.hasPrefix("Caused by:") || line.hasPrefix("\t... ") { break }
            lines.append(line)
        }
        var text = lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        for prefix in [
            "org.apache.hive.service.cli.HiveSQLException: ", "org.apache.spark.sql.catalyst.parser.ParseException: ",
            "org.apache.spark.sql.AnalysisException: ",
        ] {
            text = text.replacingOccurrences(of: prefix, with: "")
        }
        return String(text.prefix(4000))
    }

    /// How the result's rows arrive: in columns, in Arrow batches read with the metadata's Arrow
    /// schema, or in result files behind CloudFetch links (only when asked for). Rows are never asked for.
    static func encoding(of metadata: ResultSetMetadataResponse, cloudFetch: CloudFetchOptions?) throws(DatabricksSQLError) -> ResultEncoding {
        switch metadata.resultFormat {
        case nil, 1: return .columns
        case let format? where format == 0 || (format == 3 && cloudFetch != nil):
            guard let schema = metadata.arrowSchema else { throw DatabricksSQLError(.protocolViolation, "Arrow results without an Arrow schema") }
            let arrow: ArrowResults
            do {
                arrow = try ArrowResults(schema: schema, lz4Compressed: metadata.lz4Compressed)
            } catch {
                throw DatabricksSQLError(.protocolViolation, "the results' Arrow schema: \(error)")
            }
            if format == 3, let cloudFetch { return .cloudFetch(arrow, cloudFetch) }
            return .arrow(arrow)
        case let format?:
            throw DatabricksSQLError(.protocolViolation, "the server sent results in format \(format), which this driver did not ask for")
        }
    }

    private func waitUntilDone(_ operation: OperationHandle, deadline: Duration) async throws(DatabricksSQLError) -> OperationStatusResponse {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: deadline)
        var delay: Duration = .milliseconds(20)
        while true {
            let status: OperationStatusResponse
            do {
                status = try await call(
                    "GetOperationStatus",
                    idempotent: true,
                    as: OperationStatusResponse.self,
                    request: { OperationRequest(operationHandle: operation).encode(to: &$0) }
                )
            } catch {
                if error.code == .cancelled || error.code == .timeout { await cancel(operation) }
                throw error
            }
            try Self.check(status.status, "GetOperationStatus")
            if status.operationState?.isTerminal == true || status.state == nil { return status }
            if clock.now > end {
                await cancel(operation)
                throw DatabricksSQLError(.timeout, "the statement did not finish within \(deadline)")
            }
            do {
                try await Task.sleep(for: delay)
            } catch {
                await cancel(operation)
                throw DatabricksSQLError(.cancelled, "the statement was cancelled")
            }
            delay = min(delay * 2, .seconds(1))
        }
    }

    private func checkFinished(_ status: OperationStatusResponse, operation: OperationHandle, closedByServer: Bool) async throws(DatabricksSQLError) {
        switch status.operationState {
        case .finished?, nil:
            return
        case .error?:
            if !closedByServer { await close(operation) }
            let message = Self.summarize(status.displayMessage ?? status.errorMessage ?? "the statement failed")
            throw DatabricksSQLError(.sql, message, sqlState: status.sqlState)
        case .canceled?:
            throw DatabricksSQLError(.cancelled, "the statement was cancelled on the server")
        case .timedOut?:
            if !closedByServer { await close(operation) }
            throw DatabricksSQLError(.timeout, "the statement timed out on the server")
        case let state?:
            if !closedByServer { await close(operation) }
            throw DatabricksSQLError(.sql, "the statement ended in state \(state)")
        }
    }

    /// The next page of an operation's rows, or (CloudFetch) the links from `startRowOffset` on.
    func fetch(_ operation: OperationHandle, maxRows: Int, startRowOffset: Int64? = nil) async throws(DatabricksSQLError) -> FetchResultsResponse {
        var request = FetchResultsRequest(operationHandle: operation, maxRows: Int64(maxRows))
        request.startRowOffset = startRowOffset
        let response = try await call("FetchResults", idempotent: false, as: FetchResultsResponse.self, request: { request.encode(to: &$0) })
        try Self.check(response.status, "FetchResults")
        return response
    }

    /// Cancels an operation (best effort) and closes it. Runs even when the calling task is
    /// cancelled: that is exactly when the server must be told.
    func cancel(_ operation: OperationHandle) async {
        await shielded { session in
            _ = try? await session.call(
                "CancelOperation",
                idempotent: true,
                as: StatusOnlyResponse.self,
                request: { OperationRequest(operationHandle: operation).encode(to: &$0) }
            )
            await session.closeNow(operation)
        }
    }

    /// Closes an operation (best effort), even when the calling task is cancelled.
    func close(_ operation: OperationHandle) async {
        await shielded { session in await session.closeNow(operation) }
    }

    private func closeNow(_ operation: OperationHandle) async {
        _ = try? await call(
            "CloseOperation",
            idempotent: true,
            as: StatusOnlyResponse.self,
            request: { OperationRequest(operationHandle: operation).encode(to: &$0) }
        )
    }

    /// Runs clean-up work in a task of its own, so the caller's cancellation does not stop it.
    private func shielded(_ work: @escaping @Sendable (SQLSession) async -> Void) async {
        await Task { await work(self) }.value
    }

    /// Closes the session (even when the calling task is cancelled). Further calls fail with `.invalidHandle`.
    public func close() async {
        guard !isClosed else { return }
        let request = CloseSessionRequest(sessionHandle: handle)
        await shielded { session in
            _ = try? await session.call("CloseSession", idempotent: true, as: StatusOnlyResponse.self, request: { request.encode(to: &$0) })
        }
        isClosed = true
    }
}
