// From a stored base connection to a source: picks the implementation by connection spec, builds
// the endpoint from the auth parameters, and applies the operator's host policy and deadlines.
public import AsyncHTTPClient
import DatabricksSQL
public import FlowModel
import Foundation
public import Logging
import NIOCore
import NIOSSL
import SparkConnect
import Synchronization

/// The sources this service can explore and read.
public struct SourceConnectors: Sendable {
    /// Which hosts connections may reach.
    public var hostPolicy: SourceHostPolicy
    /// How long one interactive call (test, explore, preview) may take.
    public var timeout: Duration
    /// The HTTP client source calls go through.
    public var httpClient: HTTPClient
    /// How long a run waits for a cluster that answers "starting" (HTTP 503) before it fails.
    public var clusterWait: Duration
    /// How long a run waits for one answer from the source before the try fails as a timeout.
    /// Statements are polled, so this bounds a source that stopped answering, not a long query.
    public var runRequestTimeout: Duration
    /// A PEM file of certificates trusted for sources besides the system's (the HTTP client's
    /// roots; Spark Connect's gRPC connections read it themselves).
    public var trustedCAFile: String?
    /// The driver's logger.
    public var logger: Logger
    /// Where source calls are timed and their errors counted (none: not measured).
    public var metrics: SourceMetrics?

    /// Creates the connectors.
    public init(
        hostPolicy: SourceHostPolicy,
        timeout: Duration = .seconds(60),
        clusterWait: Duration = .seconds(900),
        runRequestTimeout: Duration = .seconds(120),
        httpClient: HTTPClient,
        trustedCAFile: String? = nil,
        logger: Logger
    ) {
        self.hostPolicy = hostPolicy
        self.timeout = timeout
        self.clusterWait = clusterWait
        self.runRequestTimeout = runRequestTimeout
        self.httpClient = httpClient
        self.trustedCAFile = trustedCAFile
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

    /// The source a stored base connection reaches: its spec, its auth parameters with its secrets.
    public func connector(for baseConnection: FlowResource) throws(ConnectorError) -> any SourceConnector {
        var params = baseConnection.body["auth"]?["params"]?.objectValue ?? [:]
        for (name, value) in baseConnection.secrets { params[name] = value }
        return try connector(specId: baseConnection.body["connectionSpec"]?["id"]?.stringValue ?? "", params: params)
    }

    /// The source of a base connection: its spec id, its parameters and its secrets (merged); its calls
    /// timed and its errors counted when ``metrics`` is set.
    public func connector(specId: String, params: [String: JSONValue]) throws(ConnectorError) -> any SourceConnector {
        let source = try unmetered(specId: specId, params: params)
        return metrics.map { MeteredSource(source: source, metrics: $0) } ?? source
    }

    private func unmetered(specId: String, params: [String: JSONValue]) throws(ConnectorError) -> any SourceConnector {
        let database = params["database"]?.stringValue ?? "default"
        let policy = hostPolicy
        do {
            switch specId.lowercased() {
            case ConnectionSpec.azureDatabricksId:
                guard let domain = params["domain"]?.stringValue, let url = URL(string: domain),
                    let clusterId = params["clusterId"]?.stringValue, let token = params["accessToken"]?.stringValue
                else { throw ConnectorError(.invalidConfiguration, "the connection lacks domain, clusterId or accessToken") }
                try policy.checkDatabricks(url)
                let endpoint = try SQLEndpoint.databricks(
                    domain: domain,
                    clusterId: clusterId,
                    accessToken: token,
                    httpPath: params["httpPath"]?.stringValue
                )
                let check: @Sendable () async throws(ConnectorError) -> Void = { try policy.checkDatabricks(url) }
                let channel: any SparkSQLChannel
                switch params["protocol"]?.stringValue ?? "sql" {
                case "connect":
                    channel = SparkConnectChannel(
                        client: sparkConnectClient(try .databricks(domain: domain, clusterId: clusterId, accessToken: token)),
                        cluster: DatabricksSQLClient(
                            endpoint: endpoint,
                            httpClient: httpClient,
                            retryPolicy: Self.interactivePolicy(timeout),
                            logger: logger
                        ),
                        timeout: timeout,
                        clusterWait: clusterWait,
                        checkDestination: check
                    )
                default:
                    var thrift = thriftChannel(endpoint, check)
                    if params["cloudFetch"]?.boolValue ?? true { thrift.cloudFetch = Self.cloudFetch(policy) }
                    channel = thrift
                }
                return SparkSQLSource(channel: channel, database: database, catalog: params["catalog"]?.stringValue)
            case ConnectionSpec.sparkThriftServerId:
                let (host, port) = try Self.sparkAddress(params)
                try policy.checkStatically(host: host, port: port)
                let check: @Sendable () async throws(ConnectorError) -> Void = { try await policy.checkResolved(host: host, port: port) }
                let hostText = host.contains(":") ? "[\(host)]" : host
                let channel: any SparkSQLChannel
                switch params["protocol"]?.stringValue ?? "thrift" {
                case "connect":
                    var endpoint = try SparkConnectEndpoint.connectionString(
                        "sc://\(hostText):\(port)",
                        token: params["password"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
                    )
                    endpoint.usesTLS = params["useTLS"]?.boolValue ?? false
                    if let user = params["username"]?.stringValue, !user.isEmpty { endpoint.userId = user }
                    channel = SparkConnectChannel(
                        client: sparkConnectClient(endpoint),
                        cluster: nil,
                        timeout: timeout,
                        clusterWait: clusterWait,
                        checkDestination: check
                    )
                default:
                    let scheme = params["useTLS"]?.boolValue == true ? "https" : "http"
                    var path = params["httpPath"]?.stringValue ?? "/cliservice"
                    if !path.hasPrefix("/") { path = "/" + path }
                    guard let url = URL(string: "\(scheme)://\(hostText):\(port)\(path)") else {
                        throw ConnectorError(.invalidConfiguration, "host, port and httpPath do not form a URL")
                    }
                    let endpoint = try SQLEndpoint.sparkThriftServer(
                        url: url,
                        username: params["username"]?.stringValue ?? "tributary",
                        password: params["password"]?.stringValue ?? ""
                    )
                    channel = thriftChannel(endpoint, check)
                }
                return SparkSQLSource(channel: channel, database: database, catalog: nil)
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
    }

    func thriftChannel(_ endpoint: SQLEndpoint, _ check: @escaping @Sendable () async throws(ConnectorError) -> Void) -> ThriftChannel {
        ThriftChannel(
            interactive: DatabricksSQLClient(
                endpoint: endpoint,
                httpClient: httpClient,
                retryPolicy: Self.interactivePolicy(timeout),
                logger: logger
            ),
            batch: DatabricksSQLClient(endpoint: endpoint, httpClient: httpClient, retryPolicy: batchPolicy, logger: logger),
            timeout: timeout,
            clusterWait: clusterWait,
            checkDestination: check
        )
    }

    /// CloudFetch downloads whose links must point where the host policy lets the service go (the
    /// links come from the server: a server could otherwise send the service to an internal address).
    static func cloudFetch(_ policy: SourceHostPolicy) -> CloudFetchOptions {
        var options = CloudFetchOptions()
        options.checkDestination = { url throws(DatabricksSQLError) in
            do throws(ConnectorError) {
                try await policy.checkResolved(host: url.host ?? "", port: url.port ?? 443)
            } catch {
                throw DatabricksSQLError(.invalidConfiguration, "a CloudFetch link points where the service may not go: \(error.message)")
            }
        }
        return options
    }

    /// A Spark Connect client whose unary calls time out with a run's request timeout.
    func sparkConnectClient(_ endpoint: SparkConnectEndpoint) -> SparkConnectClient {
        SparkConnectClient(endpoint: endpoint, trustedCAFile: trustedCAFile, callTimeout: runRequestTimeout, logger: logger)
    }

    /// Runs wait for a starting cluster up to ``clusterWait`` and for one answer up to ``runRequestTimeout``.
    var batchPolicy: RetryPolicy {
        var policy = RetryPolicy()
        policy.unavailableDeadline = clusterWait
        policy.requestTimeout = runRequestTimeout
        return policy
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

}

/// The HTTP client for source calls: the driver's settings (``DatabricksSQLClient/httpConfiguration``:
/// connection retries left to its ``RetryPolicy``, a run's tries doing the rest), trusting the
/// system roots and, when given, the certificates of a PEM file. Process-wide, one per file, never
/// shut down.
public enum SourceHTTPClient {
    /// The client trusting `trustedCAFile` (PEM) in addition to the system roots.
    public static func trusting(_ trustedCAFile: String?) throws -> HTTPClient {
        try cache.withLock { cache in
            let key = trustedCAFile ?? ""
            if let client = cache[key] { return client }
            var tls = TLSConfiguration.makeClientConfiguration()
            if let trustedCAFile {
                tls.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMFile(trustedCAFile))]
            }
            var configuration = DatabricksSQLClient.httpConfiguration
            configuration.tlsConfiguration = tls
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            cache[key] = client
            return client
        }
    }

    private static let cache = Mutex<[String: HTTPClient]>([:])
}
