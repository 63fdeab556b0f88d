// The entry point: a client for one endpoint that opens sessions.
import AsyncHTTPClient
import Logging
import NIOCore

/// A client for one Databricks cluster or Spark Thrift Server.
///
/// ```swift
/// let endpoint = try SQLEndpoint.databricks(domain: "https://adb-1234567890123456.7.azuredatabricks.net",
///                                           clusterId: "0819-204509-hill72", accessToken: token)
/// let client = DatabricksSQLClient(endpoint: endpoint)
/// let session = try await client.openSession(database: "sales")
/// for try await batch in try await session.execute("SELECT * FROM orders") { … }
/// await session.close()
/// ```
public struct DatabricksSQLClient: Sendable {
    /// The endpoint.
    public let endpoint: SQLEndpoint
    let transport: ThriftHTTPTransport

    /// The process-wide HTTP client the driver uses unless given another: 10 s connect timeout,
    /// never shut down. It does not retry connection establishment itself: the ``RetryPolicy``
    /// decides (`connectionRetries`), so a refused connection is reported after the policy's
    /// retries, not after the pool's own retries have run into the connect timeout.
    public static let sharedHTTPClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)

    /// The settings of ``sharedHTTPClient``, for a client of one's own (e.g. with more trusted CAs).
    public static var httpConfiguration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(10)
        configuration.connectionPool.idleTimeout = .seconds(60)
        configuration.connectionPool.retryConnectionEstablishment = false
        return configuration
    }

    /// A client using `httpClient` (default: ``sharedHTTPClient``) and `retryPolicy`.
    public init(
        endpoint: SQLEndpoint,
        httpClient: HTTPClient = DatabricksSQLClient.sharedHTTPClient,
        retryPolicy: RetryPolicy = RetryPolicy(),
        logger: Logger = Logger(label: "DatabricksSQL")
    ) {
        self.endpoint = endpoint
        self.transport = ThriftHTTPTransport(endpoint: endpoint, client: httpClient, policy: retryPolicy, logger: logger)
    }

    /// Opens a session whose current database is `database` (and catalog, on Databricks).
    public func openSession(database: String? = nil, catalog: String? = nil) async throws(DatabricksSQLError) -> SQLSession {
        try await SQLSession.open(transport: transport, database: database, catalog: catalog)
    }

    /// Opens a session, runs `body`, and closes the session whatever happens.
    public func withSession<T: Sendable>(
        database: String? = nil,
        catalog: String? = nil,
        _ body: sending (SQLSession) async throws -> T
    ) async throws -> T {
        let session = try await openSession(database: database, catalog: catalog)
        do {
            let result = try await body(session)
            await session.close()
            return result
        } catch {
            await session.close()
            throw error
        }
    }
}
