// What can go wrong when Tributary talks to a source, each failure named so that a user knows what
// to fix: the token, the cluster, the database, the table, the filter, the network.

/// A failure of a source operation (test, explore, preview, read). Messages never hold a secret.
public struct ConnectorError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure; its raw value is the stable code shown to API users.
    public struct Reason: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        /// The code, e.g. `clusterNotRunning`.
        public var rawValue: String
        /// Creates a reason.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The source refused the credentials (a wrong or expired token or password).
        public static let authenticationFailed = Reason(rawValue: "authenticationFailed")
        /// The credentials are valid but lack a permission the operation needs.
        public static let permissionDenied = Reason(rawValue: "permissionDenied")
        /// The workspace has no cluster with that id.
        public static let clusterNotFound = Reason(rawValue: "clusterNotFound")
        /// The cluster is a job cluster; only interactive (all-purpose) clusters serve SQL sessions.
        public static let jobCluster = Reason(rawValue: "jobCluster")
        /// The cluster is terminated or still starting; explore and preview never start it.
        public static let clusterNotRunning = Reason(rawValue: "clusterNotRunning")
        /// The connection's database (schema) does not exist.
        public static let databaseNotFound = Reason(rawValue: "databaseNotFound")
        /// The table does not exist (or is not visible to these credentials).
        public static let tableNotFound = Reason(rawValue: "tableNotFound")
        /// The host is not one Tributary may connect to (see the operator's allow-list).
        public static let hostNotAllowed = Reason(rawValue: "hostNotAllowed")
        /// The host could not be reached (DNS, refused connection, TLS, broken connection).
        public static let unreachable = Reason(rawValue: "unreachable")
        /// The operation did not finish within its deadline.
        public static let timeout = Reason(rawValue: "timeout")
        /// The table path in `object` is not valid.
        public static let invalidObject = Reason(rawValue: "invalidObject")
        /// The row filter is not valid for this table.
        public static let invalidFilter = Reason(rawValue: "invalidFilter")
        /// The connection's parameters cannot describe an endpoint.
        public static let invalidConfiguration = Reason(rawValue: "invalidConfiguration")
        /// Any other error the source reported.
        public static let sourceError = Reason(rawValue: "sourceError")

        /// The code.
        public var description: String { rawValue }
    }

    /// What failed.
    public var reason: Reason
    /// What happened and what to do, in the user's terms.
    public var message: String

    /// Creates an error.
    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    /// `reason: message`.
    public var description: String { "\(reason): \(message)" }

    /// Whether trying again later may succeed: the source was unreachable, slow, or its cluster
    /// not up yet. Wrong credentials, missing tables and SQL errors are not.
    public var isTransient: Bool {
        [.unreachable, .timeout, .clusterNotRunning].contains(reason)
    }
}
