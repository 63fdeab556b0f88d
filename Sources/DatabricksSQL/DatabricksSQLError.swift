// The driver's errors: what failed, in words a user can act on, never with a secret in them.

/// An error from the Databricks / Spark SQL driver.
public struct DatabricksSQLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure; new kinds may be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let rawValue: String
        /// The server refused the credentials (HTTP 401/403). Never retried.
        public static let authentication = Code(rawValue: "authentication")
        /// The cluster or server is not ready yet (HTTP 503 while starting) and the deadline passed.
        public static let clusterNotReady = Code(rawValue: "clusterNotReady")
        /// The cluster does not exist.
        public static let clusterNotFound = Code(rawValue: "clusterNotFound")
        /// The cluster is a job cluster; only interactive clusters serve SQL sessions.
        public static let jobCluster = Code(rawValue: "jobCluster")
        /// The statement failed on the server (syntax, missing table, …); see `sqlState`.
        public static let sql = Code(rawValue: "sql")
        /// The server could not be reached, or the connection broke.
        public static let connection = Code(rawValue: "connection")
        /// The server answered with something that is not the protocol (bad path, proxy page, …).
        public static let protocolViolation = Code(rawValue: "protocolViolation")
        /// An HTTP error status not covered above.
        public static let httpStatus = Code(rawValue: "httpStatus")
        /// A request or statement deadline passed.
        public static let timeout = Code(rawValue: "timeout")
        /// The caller cancelled.
        public static let cancelled = Code(rawValue: "cancelled")
        /// The session or operation handle is no longer valid on the server.
        public static let invalidHandle = Code(rawValue: "invalidHandle")
        /// The endpoint configuration is invalid.
        public static let invalidConfiguration = Code(rawValue: "invalidConfiguration")
        /// The code's name.
        public var description: String { rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// The server's or the driver's message.
    public var message: String
    /// The SQLSTATE, for `.sql` errors.
    public var sqlState: String?
    /// The HTTP status, when there was one.
    public var httpStatus: Int?

    /// Creates an error.
    public init(_ code: Code, _ message: String, sqlState: String? = nil, httpStatus: Int? = nil) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.httpStatus = httpStatus
    }

    /// `code: message`.
    public var description: String {
        var text = "\(code): \(message)"
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let httpStatus { text += " [HTTP \(httpStatus)]" }
        return text
    }
}
