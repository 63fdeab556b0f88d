// From a stored base connection to a source: picks the implementation by connection spec, builds
// the endpoint from the auth parameters, and applies the operator's host policy and deadlines.
public import AsyncHTTPClient
import DatabricksSQL
public import FlowModel
import Foundation
public import Logging
import NIOCore
import NIOSSL
import Synchronization

/// The sources this service can explore and read.
public struct SourceConnectors: Sendable {
    /// Which hosts connections may reach.
    public var hostPolicy: SourceHostPolicy
    /// How long one interactive call (test, explore, preview) may take.
    public var timeout: Duration
    /// The HTTP client every source call goes through.
    public var httpClient: HTTPClient
    /// The driver's logger.
    public var logger: Logger

    /// Creates the connectors.
    public init(hostPolicy: SourceHostPolicy, timeout: Duration = .seconds(60), httpClient: HTTPClient, logger: Logger) {
        self.hostPolicy = hostPolicy
        self.timeout = timeout
        self.httpClient = httpClient
        self.logger = logger
    }

    /// Whether connections of the spec `specId` are sources these connectors can open.
    public static func canExplore(specId: String) -> Bool {
        [ConnectionSpec.azureDatabricksId, ConnectionSpec.sparkThriftServerId].contains(specId.lowercased())
    }

    /// The checks on a connection's destination that need no network, for create and update:
    /// a Databricks workspace host over https, or no loopback/private/metadata address, unless
    /// allow-listed.
    public func checkDestination(specId: String, params: [String: JSONValue]) throws(ConnectorError) {
        switch specId.lowercased() {
        case ConnectionSpec.azureDatabricksId:
            guard let domain = params["domain"]?.stringValue, let url = URL(string: domain) else {
                throw ConnectorError(.invalidConfiguration, "'domain' must be the workspace URL")
            }
            try hostPolicy.checkDatabricks(url)
        case ConnectionSpec.sparkThriftServerId:
            let (host, port) = try Self.sparkAddress(params)
            try hostPolicy.checkStatically(host: host, port: port)
        default:
            return
        }
    }

    /// The source of a base connection: its spec id, its parameters and its secrets (merged).
    public func connector(specId: String, params: [String: JSONValue]) throws(ConnectorError) -> any SourceConnector {
        let endpoint: SQLEndpoint
        let checkDestination: @Sendable () async throws(ConnectorError) -> Void
        let database = params["database"]?.stringValue ?? "default"
        var catalog: String?
        let policy = hostPolicy
        do {
            switch specId.lowercased() {
            case ConnectionSpec.azureDatabricksId:
                guard let domain = params["domain"]?.stringValue, let url = URL(string: domain),
                    let clusterId = params["clusterId"]?.stringValue, let token = params["accessToken"]?.stringValue
                else { throw ConnectorError(.invalidConfiguration, "the connection lacks domain, clusterId or accessToken") }
                try policy.checkDatabricks(url)
                endpoint = try SQLEndpoint.databricks(domain: domain, clusterId: clusterId, accessToken: token, httpPath: params["httpPath"]?.stringValue)
                catalog = params["catalog"]?.stringValue
                checkDestination = { () async throws(ConnectorError) in try policy.checkDatabricks(url) }
            case ConnectionSpec.sparkThriftServerId:
                let (host, port) = try Self.sparkAddress(params)
                try policy.checkStatically(host: host, port: port)
                let scheme = params["useTLS"]?.boolValue == true ? "https" : "http"
                var path = params["httpPath"]?.stringValue ?? "/cliservice"
                if !path.hasPrefix("/") { path = "/" + path }
                let hostText = host.contains(":") ? "[\(host)]" : host
                guard let url = URL(string: "\(scheme)://\(hostText):\(port)\(path)") else {
                    throw ConnectorError(.invalidConfiguration, "host, port and httpPath do not form a URL")
                }
                endpoint = try SQLEndpoint.sparkThriftServer(
                    url: url, username: params["username"]?.stringValue ?? "tributary", password: params["password"]?.stringValue ?? "")
                checkDestination = { () async throws(ConnectorError) in try await policy.checkResolved(host: host, port: port) }
            default:
                throw ConnectorError(.invalidConfiguration, "connections of spec \(specId.prefix(64)) are not sources that can be explored")
            }
        } catch let error as DatabricksSQLError {
            throw ConnectorError(.invalidConfiguration, error.message)
        } catch let error as ConnectorError {
            throw error
        } catch {
            throw ConnectorError(.invalidConfiguration, "\(error)")
        }
        return HiveServer2Source(
            interactive: DatabricksSQLClient(endpoint: endpoint, httpClient: httpClient, retryPolicy: Self.interactivePolicy(timeout), logger: logger),
            batch: DatabricksSQLClient(endpoint: endpoint, httpClient: httpClient, retryPolicy: RetryPolicy(), logger: logger),
            database: database, catalog: catalog, timeout: timeout, checkDestination: checkDestination)
    }

    static func interactivePolicy(_ timeout: Duration) -> RetryPolicy {
        var policy = RetryPolicy.interactive
        policy.requestTimeout = min(policy.requestTimeout, timeout)
        return policy
    }

    static func sparkAddress(_ params: [String: JSONValue]) throws(ConnectorError) -> (host: String, port: Int) {
        guard let host = params["host"]?.stringValue, !host.isEmpty else {
            throw ConnectorError(.invalidConfiguration, "'host' is required")
        }
        let port = params["port"]?.int64Value.map { Int(clamping: $0) } ?? 10001
        guard (1...65535).contains(port) else { throw ConnectorError(.invalidConfiguration, "'port' must be 1 to 65535") }
        return (SourceHostPolicy.normalized(host), port)
    }

    /// The process-wide HTTP client for sources, trusting the system roots and, when given, the
    /// certificates in `trustedCAFile` (PEM) too. One client per file, never shut down.
    public static func httpClient(trustedCAFile: String?) throws -> HTTPClient {
        guard let trustedCAFile else { return DatabricksSQLClient.sharedHTTPClient }
        return try clients.withLock { clients in
            if let client = clients[trustedCAFile] { return client }
            var tls = TLSConfiguration.makeClientConfiguration()
            let certificates = try NIOSSLCertificate.fromPEMFile(trustedCAFile)
            tls.additionalTrustRoots = [.certificates(certificates)]
            var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
            configuration.timeout.connect = .seconds(10)
            configuration.connectionPool.idleTimeout = .seconds(60)
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients[trustedCAFile] = client
            return client
        }
    }

    private static let clients = Mutex<[String: HTTPClient]>([:])
}
