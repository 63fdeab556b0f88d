// The long-lived parts of an instance, opened once from the configuration and shared by the HTTP
// routes, the CLI and the tests: the store, the token authority, the spec catalog.
public import Connectors
import CoreMetrics
public import DataLake
public import FlowModel
public import FlowStore
import Foundation
public import Ingestion
public import Logging
public import Prometheus

/// Everything a request handler or a CLI command needs.
public struct FlowServices: Sendable {
    /// The settings.
    public var configuration: ServerConfiguration
    /// The store.
    public var storage: any FlowStorage
    /// Issues and verifies access tokens.
    public var tokens: AccessTokenAuthority
    /// The connection specs on offer.
    public var catalog: ConnectionSpecCatalog
    /// The sources connections can be tested, explored and read through.
    public var connectors: SourceConnectors
    /// Datasets and batches.
    public var lake: DataLake
    /// The service's logger.
    public var logger: Logger
    /// Verified tokens, clients and sandboxes the identity check of every call looks up.
    public var identity = IdentityCache()
    /// Documents `GET /<kind>/{id}` answers, encoded once per version.
    var rendered = RenderedDocuments()
    /// Lists of one organization answered a few at a time.
    var lists: TenantListGate
    /// The clock the scheduler plans windows and stamps runs by, epoch milliseconds: the wall clock
    /// (a test moves it to make a slot due when the test is ready for it).
    public var schedulerClock: @Sendable () -> Int64 = ServiceClock.now
    /// The scheduler's sign of life, for `GET /health/ready`.
    public let schedulerPulse = SchedulerPulse()
    /// This service's metrics, for `GET /metrics` (one registry per service, not the process's: tests
    /// run several services in one process).
    public let metricsRegistry: PrometheusCollectorRegistry
    /// What metrics are made by: the registry's, or nothing when metrics are off.
    let metricsFactory: any MetricsFactory
    /// The series of request metrics.
    let httpMetrics: HTTPMetricSeries

    /// What a process opening the data directory does with it.
    public enum Role: Sendable {
        /// The service (`tributary serve`): the only writer of resources, which it keeps in memory
        /// once read (the data directory's lock keeps a second service away).
        case service
        /// An administration command: reads the store directly, because the service writes it.
        case administration
    }

    /// Opens the data directory (creating it, the key file and the database when needed).
    public static func open(_ configuration: ServerConfiguration, logger: Logger, role: Role = .service) async throws -> FlowServices {
        try FileManager.default.createDirectory(
            at: configuration.dataDirectory,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        let (key, created) = try SecretKeySource.load(environmentValue: configuration.secretKey, file: configuration.secretKeyFile)
        if created {
            logger.notice("Created a new secret key file", metadata: ["path": .string(configuration.secretKeyFile.path)])
        }
        let sealer = SecretSealer(key: key)
        let registry = PrometheusCollectorRegistry()
        let storage = try await openStorage(
            configuration,
            sealer: sealer,
            logger: logger,
            role: role,
            metrics: configuration.metricsEnabled ? StoreMetrics(factory: metricsFactory(registry)) : nil
        )
        // Interrupted batches and runs are recovered by the scheduler when the service starts, not
        // here: an administrative command must not touch the batches of a service that is running.
        let lake = try DataLake(root: configuration.lakeDirectory)
        return FlowServices(
            configuration: configuration,
            storage: storage,
            tokens: await AccessTokenAuthority(
                signingKey: sealer.derivedKey(for: "tributary access tokens v1"),
                lifetimeSeconds: configuration.tokenLifetimeSeconds
            ),
            catalog: .standard,
            connectors: try connectors(configuration, logger: logger),
            lake: lake,
            logger: logger,
            metricsRegistry: registry
        )
    }

    /// The store the configuration names: PostgreSQL, shared by every instance, when a database URL
    /// is set; else the data directory's SQLite file, whose only writer (the service) keeps what it
    /// read by id in memory. With `metrics`, the database's operations are measured (under the cache).
    static func openStorage(
        _ configuration: ServerConfiguration,
        sealer: SecretSealer,
        logger: Logger,
        role: Role,
        metrics: StoreMetrics? = nil
    ) async throws -> any FlowStorage {
        func metered(_ database: any FlowStorage) -> any FlowStorage { metrics.map { MeteredFlowStorage(database, metrics: $0) } ?? database }
        guard let url = configuration.databaseURL else {
            let database = metered(try SQLiteFlowStorage(path: configuration.databaseFile.path, sealer: sealer))
            return role == .service ? CachingFlowStorage(database) : database
        }
        let settings: PostgresSettings
        do {
            settings = try PostgresSettings(url: url)
        } catch {
            throw ConfigurationError(error.message)
        }
        do {
            let storage = try await PostgresFlowStorage.open(settings, sealer: sealer, logger: logger)
            logger.info("Using PostgreSQL", metadata: ["database": .string(settings.redacted)])
            return metered(storage)
        } catch let error as FlowStoreError {
            throw ConfigurationError("The database \(settings.redacted) cannot be used: \(error.message)")
        }
    }

    /// Opens the configured store, which applies the migrations it lacks, and names those applied.
    public static func migrate(_ configuration: ServerConfiguration, logger: Logger) async throws -> [String] {
        try FileManager.default.createDirectory(
            at: configuration.dataDirectory,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        let (key, _) = try SecretKeySource.load(environmentValue: configuration.secretKey, file: configuration.secretKeyFile)
        let storage = try await openStorage(configuration, sealer: SecretSealer(key: key), logger: logger, role: .administration)
        switch storage {
        case let postgres as PostgresFlowStorage:
            defer { Task { await postgres.close() } }
            return try await postgres.appliedMigrations()
        case let sqlite as SQLiteFlowStorage:
            return try await sqlite.appliedMigrations()
        default:
            return []
        }
    }

    /// Whether this instance is the only one on its store: the embedded SQLite store is one
    /// instance's; PostgreSQL may be shared.
    public var isSoleInstance: Bool { configuration.databaseURL == nil }

    /// The source connectors the configuration describes; an allow-list entry that cannot be read
    /// stops the start rather than being ignored.
    static func connectors(_ configuration: ServerConfiguration, logger: Logger) throws -> SourceConnectors {
        let (policy, rejected) = SourceHostPolicy.parse(configuration.allowedSourceHosts.joined(separator: ","))
        guard rejected.isEmpty else {
            throw ConfigurationError(
                "TRIBUTARY_ALLOWED_SOURCE_HOSTS has entries that are not host, host:port or *.domain: \(rejected.joined(separator: ", "))"
            )
        }
        do {
            return SourceConnectors(
                hostPolicy: policy,
                timeout: .seconds(configuration.sourceTimeoutSeconds),
                clusterWait: .seconds(configuration.clusterWaitSeconds),
                runRequestTimeout: .seconds(configuration.runRequestTimeoutSeconds),
                httpClient: try SourceHTTPClient.trusting(configuration.trustedCAFile),
                trustedCAFile: configuration.trustedCAFile,
                logger: logger
            )
        } catch {
            throw ConfigurationError("TRIBUTARY_TRUSTED_CA_FILE \(configuration.trustedCAFile ?? "") cannot be read as PEM certificates: \(error)")
        }
    }

    /// Assembles services from parts (tests use this with their own store).
    public init(
        configuration: ServerConfiguration,
        storage: any FlowStorage,
        tokens: AccessTokenAuthority,
        catalog: ConnectionSpecCatalog,
        connectors: SourceConnectors,
        lake: DataLake,
        logger: Logger,
        metricsRegistry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
    ) {
        self.metricsRegistry = metricsRegistry
        self.configuration = configuration
        self.storage = storage
        self.tokens = tokens
        self.catalog = catalog
        self.connectors = connectors
        self.lake = lake
        self.logger = logger
        self.lists = TenantListGate(limit: configuration.listsPerOrganization, share: configuration.listShare)
        self.metricsFactory = configuration.metricsEnabled ? Self.metricsFactory(metricsRegistry) : NOOPMetricsHandler.instance
        self.httpMetrics = HTTPMetricSeries(factory: metricsFactory)
        if configuration.metricsEnabled { self.connectors.metrics = SourceMetrics(factory: metricsFactory) }
    }

    /// Metrics made into `registry`, with buckets that suit each duration.
    static func metricsFactory(_ registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[RunMetrics.Name.runDuration] = RunMetrics.runDurationBuckets
        factory.durationHistogramBuckets[RunMetrics.Name.schedulerLag] = RunMetrics.schedulerLagBuckets
        return factory
    }

    /// The scheduler and run executor, a service of the service group. The embedded store serves one
    /// instance, so runs it finds in progress at start were interrupted; on a shared store, only runs
    /// whose lease expired are taken over.
    public var scheduler: FlowScheduler {
        FlowScheduler(
            storage: storage,
            lake: lake,
            connectors: connectors,
            settings: configuration.runs,
            logger: logger,
            soleInstance: isSoleInstance,
            instance: configuration.instanceName,
            clock: schedulerClock,
            pulse: schedulerPulse,
            metrics: RunMetrics(factory: metricsFactory)
        )
    }

    /// Organizations, sandboxes and API clients.
    public var tenancy: TenancyAdministration { TenancyAdministration(storage: storage, tokens: tokens) }
}

/// A setting that cannot be used; the service does not start.
public struct ConfigurationError: Error, CustomStringConvertible {
    /// What is wrong and how to fix it.
    public var description: String
    init(_ description: String) { self.description = description }
}
