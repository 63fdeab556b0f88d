// gRPC's and Spark's failures in the driver's terms (the codes the connectors classify), without
// the token or any header value in them.
import DatabricksSQL
import GRPCCore
import GRPCProtobuf

enum SparkConnectErrors {
    /// `error` (thrown by a call, the transport or the result) as the driver's error.
    static func driverError(_ error: any Error, endpoint: SparkConnectEndpoint) -> DatabricksSQLError {
        if let error = error as? DatabricksSQLError { return error }
        if error is CancellationError { return DatabricksSQLError(.cancelled, "the call was cancelled") }
        guard let rpc = error as? RPCError else {
            if let convertible = error as? any RPCErrorConvertible {
                return driverError(RPCError(code: convertible.rpcErrorCode, message: convertible.rpcErrorMessage), endpoint: endpoint)
            }
            return DatabricksSQLError(.connection, "\(endpoint) failed: \(error)")
        }
        let message = rpc.message.isEmpty ? "\(rpc.code)" : rpc.message
        let sqlState = errorInfo(rpc)?.metadata["sqlState"]
        switch rpc.code {
        case .unauthenticated:
            return DatabricksSQLError(.authentication, "the server refused the credentials: \(message)", httpStatus: 401)
        case .permissionDenied:
            return DatabricksSQLError(.authentication, "the server denied permission: \(message)", httpStatus: 403)
        case .unavailable:
            // The transport's own reason (refused, TLS handshake, …) is the cause's.
            let cause = rpc.cause.map { " (\($0))" } ?? ""
            return DatabricksSQLError(.connection, "\(endpoint) is unavailable: \(message)\(cause)")
        case .deadlineExceeded:
            return DatabricksSQLError(.timeout, "\(endpoint) did not answer in time: \(message)")
        case .cancelled:
            return DatabricksSQLError(.cancelled, "the call was cancelled: \(message)")
        case .unimplemented:
            return DatabricksSQLError(.protocolViolation, "\(endpoint) does not serve Spark Connect: \(message)")
        case .resourceExhausted where message.lowercased().contains("message larger than max"):
            return DatabricksSQLError(.protocolViolation, "the server sent a message larger than the client accepts: \(message)")
        default:
            if message.contains("INVALID_HANDLE") { return DatabricksSQLError(.invalidHandle, message, sqlState: sqlState) }
            return DatabricksSQLError(.sql, message, sqlState: sqlState)
        }
    }

    /// Spark's error class and SQLSTATE, sent as an ErrorInfo in the status details.
    static func errorInfo(_ error: RPCError) -> ErrorDetails.ErrorInfo? {
        guard let status = try? error.unpackGoogleRPCStatus() else { return nil }
        return status.details.lazy.compactMap(\.errorInfo).first
    }

    /// Whether a stream that failed with `error` may be resumed by a reattach: the connection
    /// broke or the server went away for a moment, not a failure of the statement.
    static func isResumable(_ error: any Error) -> Bool {
        guard let rpc = error as? RPCError else { return false }
        switch rpc.code {
        case .unavailable, .unknown, .aborted: return !rpc.message.contains("INVALID_HANDLE")
        case .internalError: return rpc.message.lowercased().contains("rst_stream") || rpc.message.lowercased().contains("stream reset")
        default: return false
        }
    }

    /// The server does not know the operation (it was never created, or it ended and was released).
    static func isOperationNotFound(_ error: any Error) -> Bool {
        (error as? RPCError)?.message.contains("OPERATION_NOT_FOUND") == true
    }
}
