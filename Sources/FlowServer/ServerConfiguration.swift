// How an instance of the service is set up: address, data directory, limits, token lifetime.
public import Foundation
public import Ingestion
public import Logging

/// The settings of one Tributary instance. Every field has a flag and an environment variable
/// (see README.md, "Configuration").
public struct ServerConfiguration: Sendable {
    /// The address to listen on (`TRIBUTARY_HOST`, default `127.0.0.1`).
    public var host: String = "127.0.0.1"
    /// The port (`TRIBUTARY_PORT`, default `8080`; `0` picks a free one).
    public var port: Int = 8080
    /// Where the database, the secret key and the bootstrap credentials live
    /// (`TRIBUTARY_DATA_DIR`, default `./.tributary`).
    public var dataDirectory: URL = URL(fileURLWithPath: ".tributary")
    /// The master key, base64 of 32 bytes (`TRIBUTARY_SECRET_KEY`); when absent a key file in the
    /// data directory is used, created on first start with mode 0600.
    public var secretKey: String?
    /// The PostgreSQL database several instances share (`TRIBUTARY_DATABASE_URL`,
    /// `postgres://user:password@host:port/database?sslmode=…`); the data directory's SQLite file when absent.
    public var databaseURL: String?
    /// The data lake's folder (`TRIBUTARY_LAKE_DIR`, default `<data directory>/lake`): instances on
    /// one PostgreSQL database may share one, on a shared file system.
    public var lakeFolder: URL?
    /// This instance's name on run leases and records (`TRIBUTARY_INSTANCE_NAME`, default host-pid).
    public var instanceName: String = ServerConfiguration.defaultInstanceName
    /// The largest request body accepted, in bytes (`TRIBUTARY_MAX_BODY_BYTES`, default 1 MiB).
    public var maximumBodyBytes: Int = 1 << 20
    /// How long access tokens live, in seconds (`TRIBUTARY_TOKEN_LIFETIME`, default 24 h as IMS).
    public var tokenLifetimeSeconds: Int = 86_400
    /// The log level (`TRIBUTARY_LOG_LEVEL`, default `info`).
    public var logLevel: Logger.Level = .info
    /// How log lines are written (`TRIBUTARY_LOG_FORMAT`: `text`, the default, or `json`, one object per line).
    public var logFormat: LogFormat = .text
    /// Whether the service keeps metrics and serves `GET /metrics` (`TRIBUTARY_METRICS`: `on`, the
    /// default, or `off`).
    public var metricsEnabled = true
    /// The token `GET /metrics` asks for as `Authorization: Bearer <token>` (`TRIBUTARY_METRICS_TOKEN`;
    /// default none: the metrics are open, like the health probes).
    public var metricsToken: String?
    /// Source hosts connections may reach beyond the built-in rules (`TRIBUTARY_ALLOWED_SOURCE_HOSTS`,
    /// comma-separated `host`, `host:port` or `*.domain`; default none). Without an entry, Databricks
    /// connections must name a Databricks workspace host and Spark connections a public address.
    public var allowedSourceHosts: [String] = []
    /// A PEM file of extra certificate authorities trusted for source connections
    /// (`TRIBUTARY_TRUSTED_CA_FILE`), for servers behind a private CA.
    public var trustedCAFile: String?
    /// How long one connection test, explore or preview call may take, in seconds
    /// (`TRIBUTARY_SOURCE_TIMEOUT`, default 60).
    public var sourceTimeoutSeconds: Int = 60
    /// How long a run waits for a Databricks cluster that is starting, in seconds
    /// (`TRIBUTARY_CLUSTER_WAIT_SECONDS`, default 900).
    public var clusterWaitSeconds: Int = 900
    /// How long a run waits for one answer from the source, in seconds
    /// (`TRIBUTARY_RUN_REQUEST_TIMEOUT_SECONDS`, default 120); a source that stops answering fails
    /// each try of the run after this long.
    public var runRequestTimeoutSeconds: Int = 120
    /// Limits on the HTTP connections clients open (`TRIBUTARY_MAX_CONNECTIONS`, `TRIBUTARY_IDLE_TIMEOUT_SECONDS`,
    /// `TRIBUTARY_BODY_TIMEOUT_SECONDS`).
    public var connections = ConnectionLimits()
    /// The most list calls of one organization answered at once (`TRIBUTARY_LISTS_PER_ORGANIZATION`,
    /// default 1); its further lists wait their turn, so one organization cannot take every core.
    public var listsPerOrganization: Int = 1
    /// The share of time one organization's lists may take while other organizations are being
    /// served, i.e. made a request within the last second (`TRIBUTARY_LIST_SHARE`, 0.01–1, default 0.1; 1 turns the spacing off): after a
    /// list that took t, its organization's next list waits t × (1 − share) / share, at most 2 s.
    public var listShare: Double = 0.1
    /// The scheduler and run executor's settings (`TRIBUTARY_SAFETY_LAG_SECONDS`, `TRIBUTARY_CHUNK_ROWS`, …).
    public var runs = RunSettings()

    /// The defaults.
    public init() {}

    /// Settings from environment variables over the defaults.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> ServerConfiguration {
        var configuration = ServerConfiguration()
        if let host = environment["TRIBUTARY_HOST"], !host.isEmpty { configuration.host = host }
        if let port = environment["TRIBUTARY_PORT"].flatMap(Int.init) { configuration.port = port }
        if let directory = environment["TRIBUTARY_DATA_DIR"], !directory.isEmpty {
            configuration.dataDirectory = URL(fileURLWithPath: directory)
        }
        configuration.secretKey = environment["TRIBUTARY_SECRET_KEY"]
        if let url = environment["TRIBUTARY_DATABASE_URL"], !url.isEmpty { configuration.databaseURL = url }
        if let folder = environment["TRIBUTARY_LAKE_DIR"], !folder.isEmpty { configuration.lakeFolder = URL(fileURLWithPath: folder) }
        if let name = environment["TRIBUTARY_INSTANCE_NAME"], !name.isEmpty { configuration.instanceName = name }
        if let bytes = environment["TRIBUTARY_MAX_BODY_BYTES"].flatMap(Int.init), bytes > 0 { configuration.maximumBodyBytes = bytes }
        if let seconds = environment["TRIBUTARY_TOKEN_LIFETIME"].flatMap(Int.init), seconds > 0 {
            configuration.tokenLifetimeSeconds = seconds
        }
        if let hosts = environment["TRIBUTARY_ALLOWED_SOURCE_HOSTS"] {
            configuration.allowedSourceHosts = hosts.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        if let file = environment["TRIBUTARY_TRUSTED_CA_FILE"], !file.isEmpty { configuration.trustedCAFile = file }
        if let seconds = environment["TRIBUTARY_SOURCE_TIMEOUT"].flatMap(Int.init), seconds > 0 { configuration.sourceTimeoutSeconds = seconds }
        if let seconds = environment["TRIBUTARY_CLUSTER_WAIT_SECONDS"].flatMap(Int.init), seconds >= 0 { configuration.clusterWaitSeconds = seconds }
        if let seconds = environment["TRIBUTARY_RUN_REQUEST_TIMEOUT_SECONDS"].flatMap(Int.init), seconds > 0 {
            configuration.runRequestTimeoutSeconds = seconds
        }
        if let count = environment["TRIBUTARY_MAX_CONNECTIONS"].flatMap(Int.init), count > 0 { configuration.connections.maximumConnections = count }
        if let seconds = environment["TRIBUTARY_IDLE_TIMEOUT_SECONDS"].flatMap(Int.init), seconds > 0 {
            configuration.connections.idleTimeoutSeconds = seconds
        }
        if let seconds = environment["TRIBUTARY_BODY_TIMEOUT_SECONDS"].flatMap(Int.init), seconds > 0 {
            configuration.connections.bodyTimeoutSeconds = seconds
        }
        if let count = environment["TRIBUTARY_LISTS_PER_ORGANIZATION"].flatMap(Int.init), count > 0 { configuration.listsPerOrganization = count }
        if let share = environment["TRIBUTARY_LIST_SHARE"].flatMap(Double.init), share >= 0.01, share <= 1 { configuration.listShare = share }
        configuration.runs = RunSettings.fromEnvironment(environment)
        if let level = environment["TRIBUTARY_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) { configuration.logLevel = level }
        if let format = environment["TRIBUTARY_LOG_FORMAT"].flatMap(LogFormat.init(rawValue:)) { configuration.logFormat = format }
        if let token = environment["TRIBUTARY_METRICS_TOKEN"], !token.isEmpty { configuration.metricsToken = token }
        if environment["TRIBUTARY_METRICS"]?.lowercased() == "off" { configuration.metricsEnabled = false }
        return configuration
    }

    /// The SQLite database file.
    public var databaseFile: URL { dataDirectory.appendingPathComponent("tributary.sqlite") }
    /// The data lake: datasets and their Parquet batches.
    public var lakeDirectory: URL { lakeFolder ?? dataDirectory.appendingPathComponent("lake") }

    /// `host-pid`.
    public static var defaultInstanceName: String {
        "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
    }
    /// The master key file, used when no key is configured.
    public var secretKeyFile: URL { dataDirectory.appendingPathComponent("secret.key") }
    /// Where the bootstrap credentials are written on first start (mode 0600).
    public var bootstrapCredentialsFile: URL { dataDirectory.appendingPathComponent("bootstrap-credentials.json") }
}
