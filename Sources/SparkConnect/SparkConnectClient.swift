// The entry point: a gRPC client for one Spark Connect endpoint that opens sessions.
import DatabricksSQL
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import SparkConnectProtocol

/// A client for one Spark Connect server (Spark 3.4+, or a Databricks cluster on DBR 13.3+).
///
/// ```swift
/// let client = SparkConnectClient(endpoint: try .connectionString("sc://127.0.0.1:15002"))
/// try await client.withSession { session in
///     try await session.execute("SELECT * FROM sales.orders") { result in
///         for try await batch in result { … }
///     }
/// }
/// ```
public struct SparkConnectClient: Sendable {
    /// The endpoint.
    public let endpoint: SparkConnectEndpoint
    /// A PEM file of the certificates to trust instead of the system's (a server behind a private CA).
    public var trustedCAFile: String?
    /// The largest message accepted from the server. Spark keeps its Arrow batches under
    /// `spark.connect.grpc.arrow.maxBatchSize` (4 MiB by default); its own limit is 128 MiB.
    public var maximumMessageBytes: Int
    /// How long a unary call (config, analyze, release, interrupt) may take.
    public var callTimeout: Duration
    /// How often a broken result stream is resumed (`ReattachExecute`) before the statement fails.
    public var reattachAttempts: Int
    let logger: Logger

    /// A client of `endpoint`.
    public init(
        endpoint: SparkConnectEndpoint,
        trustedCAFile: String? = nil,
        maximumMessageBytes: Int = 128 << 20,
        callTimeout: Duration = .seconds(60),
        reattachAttempts: Int = 8,
        logger: Logger = Logger(label: "SparkConnect")
    ) {
        self.endpoint = endpoint
        self.trustedCAFile = trustedCAFile
        self.maximumMessageBytes = maximumMessageBytes
        self.callTimeout = callTimeout
        self.reattachAttempts = reattachAttempts
        self.logger = logger
    }

    /// Connects, opens a session whose time zone is UTC (and whose current database is `database`,
    /// when given), runs `body`, and releases the session and the connection whatever happens.
    /// Failures of the connection and the session are the driver's errors; `body`'s own errors
    /// reach the caller as they are.
    public func withSession<T: Sendable>(database: String? = nil, _ body: (SparkConnectSession) async throws -> T) async throws -> T {
        let outcome: Result<T, any Error>
        do {
            let transport = try HTTP2ClientTransport.Posix(
                target: target,
                transportSecurity: transportSecurity,
                config: .defaults { config in
                    config.connection.maxIdleTime = .seconds(300)
                    config.backoff.initial = .milliseconds(200)
                }
            )
            outcome = try await withGRPCClient(transport: transport) { grpc in
                let session = SparkConnectSession(client: self, service: Spark_Connect_SparkConnectService.Client(wrapping: grpc))
                do {
                    // Arrow batches uncompressed (Spark 4.1+; older servers ignore the setting): Spark's
                    // LZ4 codec (Java) made 200k rows take 57 s instead of 1.6 s on the benchmarks'
                    // Spark 4.3 (PySpark's client alike), and ZSTD bodies are not read here.
                    try await Self.triedAgainWhileUnavailable {
                        try await session.set(["spark.sql.session.timeZone": "UTC", "spark.sql.execution.arrow.compression.codec": "none"])
                    }
                    if let database { _ = try await session.rows("USE \(SQLIdentifier.quoted(database))") }
                } catch {
                    await session.release()
                    throw error
                }
                let outcome: Result<T, any Error>
                do {
                    outcome = .success(try await body(session))
                } catch {
                    outcome = .failure(error)
                }
                await session.release()
                return outcome
            }
        } catch {
            throw SparkConnectErrors.driverError(error, endpoint: endpoint)
        }
        return try outcome.get()
    }

    /// Tries of the session's first call when no connection could be made or it broke before an answer.
    static let firstCallAttempts = 3

    /// Runs `call` — idempotent: the session's settings — again, after a short wait, when it fails as
    /// a connection failure (UNAVAILABLE): a connection the server or the network reset before its
    /// first answer (seen on a loaded Spark Connect server) is a moment's failure, not an unreachable
    /// source. A server that refuses every connection still fails, after the last try (under a second
    /// later).
    static func triedAgainWhileUnavailable(_ call: () async throws -> Void) async throws {
        var attempt = 1
        while true {
            do {
                return try await call()
            } catch let error as DatabricksSQLError where error.code == .connection && attempt < firstCallAttempts {
                try await Task.sleep(for: .milliseconds(250 * attempt))
                attempt += 1
            }
        }
    }

    /// Where to connect: an address as itself (TLS must not send an IP address as the server name,
    /// which the DNS target would), a name through DNS.
    var target: any ResolvableTarget {
        if endpoint.host.contains(":") { return .ipv6(address: endpoint.host, port: endpoint.port) }
        if endpoint.host.split(separator: ".").count == 4, endpoint.host.allSatisfy({ $0.isNumber || $0 == "." }) {
            return .ipv4(address: endpoint.host, port: endpoint.port)
        }
        return .dns(host: endpoint.host, port: endpoint.port)
    }

    var transportSecurity: HTTP2ClientTransport.Posix.TransportSecurity {
        guard endpoint.usesTLS else { return .plaintext }
        return .tls { tls in
            if let trustedCAFile { tls.trustRoots = .certificates([.file(path: trustedCAFile, format: .pem)]) }
        }
    }

    /// What every call sends: the token and the endpoint's headers.
    var metadata: Metadata {
        var metadata = Metadata()
        if let token = endpoint.token { metadata.addString("Bearer \(token)", forKey: "authorization") }
        for header in endpoint.headers { metadata.addString(header.value, forKey: header.name) }
        return metadata
    }

    /// Options of a unary call.
    var unaryOptions: CallOptions {
        var options = CallOptions.defaults
        options.timeout = callTimeout
        options.maxRequestMessageBytes = maximumMessageBytes
        options.maxResponseMessageBytes = maximumMessageBytes
        return options
    }

    /// Options of a result stream: no deadline (a long result may stream for hours), large messages.
    var streamOptions: CallOptions {
        var options = CallOptions.defaults
        options.maxRequestMessageBytes = maximumMessageBytes
        options.maxResponseMessageBytes = maximumMessageBytes
        return options
    }
}
