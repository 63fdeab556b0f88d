// The store several instances share: PostgreSQL through postgres-nio's connection pool, with the
// semantics of the SQLite store (tenancy, compare-and-swap by etag, all-or-nothing transactions,
// secrets sealed with the same key). Migrations run at start under an advisory lock, so instances
// started together apply each one once. A database that cannot be reached is reported as
// ``FlowStoreError/Code/unavailable`` (the API answers 503), never as a crash or a hang.
public import FlowModel
import Foundation
public import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import Synchronization

/// A ``FlowStorage`` on a PostgreSQL database.
public final class PostgresFlowStorage: FlowStorage {
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let sealer: SecretSealer
    private let settings: PostgresSettings
    private let logger: Logger

    private static let columns = "id, kind, metadata, body, sealed_secrets"

    // A resource named by id is found by the primary key: its scope is checked with IS NOT DISTINCT
    // FROM, which no index serves. Written as plain equalities, the scope matched the list indexes
    // (org, sandbox, kind, …) too, and before the table's first ANALYZE the planner took one of those
    // at equal cost: a read by id scanned the whole sandbox (measured: 166 GETs/s instead of thousands).

    private init(client: PostgresClient, settings: PostgresSettings, sealer: SecretSealer, logger: Logger) {
        self.client = client
        self.settings = settings
        self.sealer = sealer
        self.logger = logger
        runner = Task { await client.run() }
    }

    /// Connects, creates the schema when missing and applies the migrations it lacks.
    /// - Throws: ``FlowStoreError`` `unavailable` when the server cannot be reached in the connect
    ///   timeout, `refused` when it refuses the connection (credentials, TLS, no such database).
    public static func open(_ settings: PostgresSettings, sealer: SecretSealer, logger: Logger) async throws -> PostgresFlowStorage {
        // The probe comes before the pool runs: a server that cannot be used is reported without a
        // pool connecting (and backing off) in the background, whose shutdown a failed start would
        // have to wait for.
        try await probe(settings, logger: logger)
        let storage = PostgresFlowStorage(
            client: PostgresClient(configuration: try settings.clientConfiguration(), backgroundLogger: logger),
            settings: settings,
            sealer: sealer,
            logger: logger
        )
        do {
            try await storage.migrate()
        } catch {
            await storage.close()
            throw error
        }
        return storage
    }

    /// Closes every connection; calls made afterwards fail.
    public func close() async {
        runner.cancel()
        await runner.value
    }

    deinit { runner.cancel() }

    /// Opens one connection outside the pool and closes it: the pool retries a connection that
    /// fails, where a start wants to say at once why (a wrong password, a missing database, TLS).
    private static func probe(_ settings: PostgresSettings, logger: Logger) async throws {
        do {
            let connection = try await PostgresConnection.connect(
                on: PostgresClient.defaultEventLoopGroup.any(),
                configuration: settings.connectionConfiguration(),
                id: 0,
                logger: logger
            ).get()
            try await connection.close()
        } catch let error as FlowStoreError {
            throw error
        } catch {
            throw Self.storeError(error, settings: settings, logger: logger)
        }
    }

    // MARK: Migrations

    /// The schema, step by step; a step is applied once, in one transaction with its record.
    static let migrations: [(version: Int, name: String, statements: [String])] = [
        (
            1, "tenancy and resources",
            [
                """
                CREATE TABLE organizations (
                    id TEXT COLLATE "C" PRIMARY KEY, name TEXT NOT NULL, created_at BIGINT NOT NULL)
                """,
                """
                CREATE TABLE sandboxes (
                    id TEXT COLLATE "C" PRIMARY KEY,
                    org_id TEXT COLLATE "C" NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
                    name TEXT COLLATE "C" NOT NULL, is_default BOOLEAN NOT NULL, created_at BIGINT NOT NULL,
                    UNIQUE (org_id, name))
                """,
                """
                CREATE TABLE api_clients (
                    client_id TEXT COLLATE "C" PRIMARY KEY,
                    org_id TEXT COLLATE "C" NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
                    name TEXT NOT NULL, secret_hash TEXT NOT NULL, created_at BIGINT NOT NULL)
                """,
                "CREATE INDEX api_clients_of_organization ON api_clients (org_id, created_at)",
                """
                CREATE TABLE resources (
                    id TEXT COLLATE "C" PRIMARY KEY, kind TEXT COLLATE "C" NOT NULL,
                    org_id TEXT COLLATE "C" NOT NULL, sandbox_name TEXT COLLATE "C" NOT NULL,
                    etag TEXT COLLATE "C" NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
                    metadata JSONB NOT NULL, body JSONB NOT NULL, sealed_secrets BYTEA, state TEXT COLLATE "C")
                """,
                // Pages in the default order (newest first, ties by id), the scheduler's states, and the
                // references lists filter on and deletes check.
                "CREATE INDEX resources_in_order ON resources (org_id, sandbox_name, kind, created_at, id)",
                "CREATE INDEX resources_by_state ON resources (kind, state, created_at, id)",
                "CREATE INDEX resources_by_flow ON resources (org_id, sandbox_name, kind, \(PostgresField.reference("$.flowId")), created_at, id)",
                "CREATE INDEX resources_by_base_connection ON resources (org_id, sandbox_name, kind, \(PostgresField.reference("$.baseConnectionId")))",
                "CREATE INDEX resources_by_source_connection ON resources (org_id, sandbox_name, kind, \(PostgresField.reference("$.sourceConnectionIds[0]")))",
                "CREATE INDEX resources_by_target_connection ON resources (org_id, sandbox_name, kind, \(PostgresField.reference("$.targetConnectionIds[0]")))",
                // Every value a property filter looks at along a path: `[]` takes the elements of an
                // array; an array reached by name is a value itself and so is each of its elements
                // followed further (PropertyFilter.values(at:in:)).
                """
                CREATE FUNCTION tributary_candidates(document jsonb, path text[]) RETURNS SETOF jsonb
                LANGUAGE plpgsql IMMUTABLE STRICT AS $$
                DECLARE
                    child jsonb;
                    element jsonb;
                    rest text[] := path[2:];
                BEGIN
                    IF cardinality(path) = 0 THEN
                        RETURN NEXT document;
                        RETURN;
                    END IF;
                    IF path[1] = '[]' THEN
                        IF jsonb_typeof(document) = 'array' THEN
                            FOR element IN SELECT jsonb_array_elements(document) LOOP
                                RETURN QUERY SELECT tributary_candidates(element, rest);
                            END LOOP;
                        END IF;
                        RETURN;
                    END IF;
                    IF jsonb_typeof(document) <> 'object' THEN
                        RETURN;
                    END IF;
                    child := document -> path[1];
                    IF child IS NULL THEN
                        RETURN;
                    END IF;
                    IF jsonb_typeof(child) = 'array' AND (cardinality(rest) = 0 OR rest[1] <> '[]') THEN
                        RETURN NEXT child;
                        FOR element IN SELECT jsonb_array_elements(child) LOOP
                            RETURN QUERY SELECT tributary_candidates(element, rest);
                        END LOOP;
                        RETURN;
                    END IF;
                    RETURN QUERY SELECT tributary_candidates(child, rest);
                END
                $$
                """,
            ]
        ),
        (
            2, "the scheduler's next looks",
            [
                "ALTER TABLE resources ADD COLUMN due_at BIGINT",
                "CREATE INDEX resources_due ON resources (kind, due_at) WHERE due_at IS NOT NULL",
                "UPDATE resources SET due_at = updated_at WHERE kind = 'flows'",
            ]
        ),
    ]

    /// Applies the migrations the database lacks. Instances starting together take turns on an
    /// advisory lock (per schema), so each migration runs once.
    func migrate() async throws {
        let (schema, logger) = (settings.schema, logger)
        try await transaction { connection in
            // The lock first: creating the schema is a step two instances must not race either.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext('tributary migrations ' || \(schema)))", logger: logger)
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"), logger: logger)
            try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL search_path TO \(schema)"), logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS tributary_migrations (
                    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """,
                logger: logger
            )
            var applied = Set<Int>()
            for try await version in try await connection.query("SELECT version FROM tributary_migrations", logger: logger).decode(Int.self) {
                applied.insert(version)
            }
            for migration in Self.migrations where !applied.contains(migration.version) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO tributary_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                    logger: logger
                )
                logger.notice("Applied a database migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            }
        }
    }

    /// The migrations applied, oldest first: `version: name`.
    public func appliedMigrations() async throws -> [String] {
        try await rows("SELECT version, name FROM tributary_migrations ORDER BY version") { try $0.decode((Int, String).self) }.map {
            "v\($0.0): \($0.1)"
        }
    }

    // MARK: Tenancy

    public func createOrganization(_ organization: Organization, defaultSandbox: Sandbox) async throws {
        let logger = logger
        try await transaction { connection in
            try await connection.query(
                "INSERT INTO organizations (id, name, created_at) VALUES (\(organization.id), \(organization.name), \(organization.createdAt))",
                logger: logger
            )
            try await Self.insertSandbox(defaultSandbox, connection, logger)
        }
    }

    public func organizations() async throws -> [Organization] {
        try await rows("SELECT id, name, created_at FROM organizations ORDER BY created_at, id") { try $0.decode((String, String, Int64).self) }.map {
            Organization(id: $0.0, name: $0.1, createdAt: $0.2)
        }
    }

    public func organization(id: String) async throws -> Organization? {
        try await rows("SELECT id, name, created_at FROM organizations WHERE id = \(id)") { try $0.decode((String, String, Int64).self) }.first.map {
            Organization(id: $0.0, name: $0.1, createdAt: $0.2)
        }
    }

    public func createSandbox(_ sandbox: Sandbox) async throws {
        try await withConnection { connection in try await Self.insertSandbox(sandbox, connection, self.logger) }
    }

    private static func insertSandbox(_ sandbox: Sandbox, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO sandboxes (id, org_id, name, is_default, created_at)
            VALUES (\(sandbox.id), \(sandbox.orgId), \(sandbox.name), \(sandbox.isDefault), \(sandbox.createdAt))
            """,
            logger: logger
        )
    }

    public func sandboxes(orgId: String) async throws -> [Sandbox] {
        try await rows(
            "SELECT id, name, org_id, is_default, created_at FROM sandboxes WHERE org_id = \(orgId) ORDER BY created_at, name"
        ) { try $0.decode((String, String, String, Bool, Int64).self) }.map {
            Sandbox(id: $0.0, name: $0.1, orgId: $0.2, isDefault: $0.3, createdAt: $0.4)
        }
    }

    public func createClient(_ client: APIClient) async throws {
        try await withConnection { connection in
            _ = try await connection.query(
                """
                INSERT INTO api_clients (client_id, org_id, name, secret_hash, created_at)
                VALUES (\(client.clientId), \(client.orgId), \(client.name), \(client.secretHash), \(client.createdAt))
                """,
                logger: self.logger
            )
        }
    }

    public func client(id clientId: String) async throws -> APIClient? {
        try await rows(
            "SELECT client_id, org_id, name, secret_hash, created_at FROM api_clients WHERE client_id = \(clientId)"
        ) { try $0.decode((String, String, String, String, Int64).self) }.first.map {
            APIClient(clientId: $0.0, orgId: $0.1, name: $0.2, secretHash: $0.3, createdAt: $0.4)
        }
    }

    public func clients(orgId: String) async throws -> [APIClient] {
        try await rows(
            "SELECT client_id, org_id, name, secret_hash, created_at FROM api_clients WHERE org_id = \(orgId) ORDER BY created_at, client_id"
        ) { try $0.decode((String, String, String, String, Int64).self) }.map {
            APIClient(clientId: $0.0, orgId: $0.1, name: $0.2, secretHash: $0.3, createdAt: $0.4)
        }
    }

    // MARK: Resources

    public func insert(_ resource: FlowResource) async throws {
        let columns = try encode(resource)
        try await withConnection { connection in try await Self.insert(resource, columns, connection, self.logger) }
    }

    private static func insert(_ resource: FlowResource, _ columns: ResourceColumns, _ connection: PostgresConnection, _ logger: Logger) async throws
    {
        let metadata = resource.metadata
        try await connection.query(
            """
            INSERT INTO resources (id, kind, org_id, sandbox_name, etag, created_at, updated_at, metadata, body, sealed_secrets, state, due_at)
            VALUES (\(resource.id), \(resource.kind.rawValue), \(metadata.imsOrgId), \(metadata.sandboxName), \(metadata.etag),
                    \(metadata.createdAt), \(metadata.updatedAt), \(columns.metadata)::jsonb, \(columns.body)::jsonb,
                    \(columns.sealedSecrets), \(resource.body["state"]?.stringValue), \(columns.dueAt))
            """,
            logger: logger
        )
    }

    public func resource(_ kind: ResourceKind, id: String, in scope: TenantScope) async throws -> FlowResource? {
        try await rows(
            """
            SELECT \(unescaped: Self.columns) FROM resources
            WHERE id = \(id) AND (kind, org_id, sandbox_name) IS NOT DISTINCT FROM (\(kind.rawValue), \(scope.orgId), \(scope.sandboxName))
            """
        ) { try self.decode($0.decode(ResourceRow.self)) }.first
    }

    public func resources(_ kind: ResourceKind, in scope: TenantScope, matching query: ResourceQuery) async throws -> [OrderedResource] {
        let order = PostgresField(query.order)
        let keys = order.sortKeys
        var sql = PostgresFragment()
        sql.append("SELECT \(Self.columns), \(order.rank) AS sort_rank, \(order.cursorValue) AS sort_value FROM resources WHERE ")
        Self.scoped(kind, scope, query.filters, into: &sql)
        if let after = query.after {
            sql.append(query.descending ? " AND (" : " AND (")
            sql.append((keys + ["id"]).joined(separator: ", "))
            sql.append(query.descending ? ") < (" : ") > (")
            try order.bindPosition(after, into: &sql)
            sql.bind(after.id)
            sql.append(")")
        }
        let direction = query.descending ? " DESC" : ""
        sql.append(" ORDER BY ")
        sql.append((keys + ["id"]).map { $0 + direction }.joined(separator: ", "))
        if let limit = query.limit {
            sql.append(" LIMIT ")
            sql.bind(Int64(limit))
        }
        if query.offset > 0 {
            sql.append(" OFFSET ")
            sql.bind(Int64(query.offset))
        }
        let found = try await rows(sql.query) { try $0.decode((String, String, String, String, Data?, Int, String?).self) }
        return try found.map { row in
            let value = try row.6.map { try JSONValue(parsing: $0) } ?? .null
            return OrderedResource(
                resource: try decode((row.0, row.1, row.2, row.3, row.4)),
                position: ListQuery.Cursor(value: value, id: row.0, rank: row.5)
            )
        }
    }

    public func count(_ kind: ResourceKind, in scope: TenantScope, matching filters: [StoredFilter]) async throws -> Int {
        var sql = PostgresFragment()
        sql.append("SELECT COUNT(*) FROM resources WHERE ")
        Self.scoped(kind, scope, filters, into: &sql)
        return try await rows(sql.query) { try $0.decode(Int.self) }.first ?? 0
    }

    /// The scope, the kind and every filter.
    private static func scoped(_ kind: ResourceKind, _ scope: TenantScope, _ filters: [StoredFilter], into sql: inout PostgresFragment) {
        // Named by id: found by the primary key only (see `resource(_:id:in:)`); PostgreSQL splits a
        // row equality into one equality per column, which the list indexes serve.
        let byId = filters.contains { $0.field == .id }
        sql.append(byId ? "(kind, org_id, sandbox_name) IS NOT DISTINCT FROM (" : "(kind, org_id, sandbox_name) = (")
        sql.bind(kind.rawValue)
        sql.append(", ")
        sql.bind(scope.orgId)
        sql.append(", ")
        sql.bind(scope.sandboxName)
        sql.append(")")
        for filter in filters {
            sql.append(" AND ")
            PostgresFilters.condition(filter.field, filter.filter, into: &sql)
        }
    }

    public func replace(_ resource: FlowResource, expectedEtag: String) async throws -> Bool {
        let columns = try encode(resource)
        return try await withConnection { connection in try await Self.replace(resource, columns, expectedEtag: expectedEtag, connection, self.logger)
        }
    }

    private static func replace(
        _ resource: FlowResource,
        _ columns: ResourceColumns,
        expectedEtag: String,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws -> Bool {
        let metadata = resource.metadata
        let changed = try await connection.query(
            """
            UPDATE resources SET etag = \(metadata.etag), updated_at = \(metadata.updatedAt), metadata = \(columns.metadata)::jsonb,
                body = \(columns.body)::jsonb, sealed_secrets = \(columns.sealedSecrets), state = \(resource.body["state"]?.stringValue),
                due_at = \(columns.dueAt)
            WHERE id = \(metadata.id) AND etag = \(expectedEtag)
                AND (kind, org_id, sandbox_name) IS NOT DISTINCT FROM (\(resource.kind.rawValue), \(metadata.imsOrgId), \(metadata.sandboxName))
            RETURNING id
            """,
            logger: logger
        )
        return try await changed.collect().count == 1
    }

    /// A change that did not match: the transaction is rolled back.
    private struct StaleChange: Error {}

    public func apply(_ changes: [ResourceChange]) async throws -> Bool {
        let encoded: [(ResourceChange, ResourceColumns?)] = try changes.map { change in
            switch change {
            case .insert(let resource), .replace(let resource, _): (change, try encode(resource))
            case .delete, .setDue, .hasten: (change, nil)
            }
        }
        do {
            try await transaction { connection in
                for (change, columns) in encoded {
                    switch change {
                    case .insert(let resource):
                        try await Self.insert(resource, columns!, connection, self.logger)
                    case .replace(let resource, let etag):
                        guard try await Self.replace(resource, columns!, expectedEtag: etag, connection, self.logger) else { throw StaleChange() }
                    case .delete(let resource, let etag):
                        let deleted = try await connection.query(
                            """
                            DELETE FROM resources WHERE id = \(resource.id) AND etag = \(etag)
                                AND (kind, org_id, sandbox_name) IS NOT DISTINCT FROM
                                    (\(resource.kind.rawValue), \(resource.metadata.imsOrgId), \(resource.metadata.sandboxName))
                            RETURNING id
                            """,
                            logger: self.logger
                        )
                        guard try await deleted.collect().count == 1 else { throw StaleChange() }
                    case .setDue(let kind, let id, let scope, let etag, let time):
                        let set = try await connection.query(
                            """
                            UPDATE resources SET due_at = \(time) WHERE id = \(id) AND etag = \(etag)
                                AND (kind, org_id, sandbox_name) IS NOT DISTINCT FROM (\(kind.rawValue), \(scope.orgId), \(scope.sandboxName))
                            RETURNING id
                            """,
                            logger: self.logger
                        )
                        guard try await set.collect().count == 1 else { throw StaleChange() }
                    case .hasten(let kind, let id, let scope, let time):
                        try await connection.query(
                            """
                            UPDATE resources SET due_at = LEAST(due_at, \(time)) WHERE id = \(id)
                                AND (kind, org_id, sandbox_name) IS NOT DISTINCT FROM (\(kind.rawValue), \(scope.orgId), \(scope.sandboxName))
                            """,
                            logger: self.logger
                        )
                    }
                }
            }
            return true
        } catch is StaleChange {
            return false
        }
    }

    public func resources(_ kind: ResourceKind, state: String) async throws -> [FlowResource] {
        try await rows("SELECT \(unescaped: Self.columns) FROM resources WHERE kind = \(kind.rawValue) AND state = \(state) ORDER BY created_at, id")
        {
            try self.decode($0.decode(ResourceRow.self))
        }
    }

    public func due(_ kind: ResourceKind, by time: Int64, limit: Int) async throws -> [FlowResource] {
        try await rows(
            "SELECT \(unescaped: Self.columns) FROM resources WHERE kind = \(kind.rawValue) AND due_at <= \(time) ORDER BY due_at LIMIT \(Int64(limit))"
        ) { try self.decode($0.decode(ResourceRow.self)) }
    }

    public func earliestDue(_ kind: ResourceKind) async throws -> Int64? {
        try await rows("SELECT MIN(due_at) FROM resources WHERE kind = \(kind.rawValue) AND due_at IS NOT NULL") { try $0.decode(Int64?.self) }.first
            ?? nil
    }

    public func delete(_ kind: ResourceKind, id: String, in scope: TenantScope) async throws -> Bool {
        try await rows(
            """
            DELETE FROM resources WHERE id = \(id)
                AND (kind, org_id, sandbox_name) IS NOT DISTINCT FROM (\(kind.rawValue), \(scope.orgId), \(scope.sandboxName))
            RETURNING id
            """
        ) { try $0.decode(String.self) }.count == 1
    }

    // MARK: Encoding

    private typealias ResourceRow = (String, String, String, String, Data?)

    private func encode(_ resource: FlowResource) throws -> ResourceColumns {
        // PostgreSQL's text and JSONB cannot hold U+0000; the API refuses it before it gets here.
        guard !JSONValue.object(resource.body).containsNUL, !JSONValue.object(resource.metadata.members).containsNUL else {
            throw FlowStoreError(.unstorableText, "text must not contain the character U+0000")
        }
        return try ResourceColumns(resource, sealer: sealer)
    }

    private func decode(_ row: ResourceRow) throws -> FlowResource {
        try ResourceColumns(metadata: row.2, body: row.3, sealedSecrets: row.4).resource(ResourceKind(rawValue: row.1), id: row.0, sealer: sealer)
    }

    // MARK: Connections

    /// Every row of `query`, decoded by `decode`.
    private func rows<Row: Sendable>(_ query: PostgresQuery, _ decode: @escaping @Sendable (PostgresRow) throws -> Row) async throws -> [Row] {
        try await withConnection { connection in
            var found: [Row] = []
            for try await row in try await connection.query(query, logger: self.logger) {
                found.append(try decode(row))
            }
            return found
        }
    }

    /// Runs `work` on a pooled connection; waits at most the connect timeout for one.
    private func withConnection<T: Sendable>(_ work: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let acquired = ConnectionAcquired()
        let wait = Duration.seconds(settings.connectTimeoutSeconds)
        do {
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask {
                    try await self.client.withConnection { connection in
                        acquired.flag.store(true, ordering: .relaxed)
                        return try await work(connection)
                    }
                }
                group.addTask {
                    // Cancelled with the caller, the timer leaves the answer to the work: a statement the
                    // server may already have run is not reported as not run (a shutdown's cancelled
                    // claim of a run that was committed all the same would leave the run with nobody).
                    guard (try? await Task.sleep(for: wait)) != nil else { return nil }
                    guard acquired.flag.load(ordering: .relaxed) else {
                        throw FlowStoreError(
                            .unavailable,
                            "no connection to PostgreSQL at \(self.settings.host):\(self.settings.port) within \(self.settings.connectTimeoutSeconds) s"
                        )
                    }
                    return nil
                }
                while let result = try await group.next() {
                    if let result {
                        group.cancelAll()
                        return result
                    }
                }
                throw CancellationError()
            }
        } catch {
            throw Self.storeError(error, settings: settings, logger: logger)
        }
    }

    /// Runs `work` in a transaction: committed when it returns, rolled back when it throws.
    private func transaction<T: Sendable>(_ work: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await withConnection { connection in
            try await connection.query("BEGIN", logger: self.logger)
            let result: T
            do {
                result = try await work(connection)
            } catch {
                do {
                    try await connection.query("ROLLBACK", logger: self.logger)
                } catch {
                    // The connection's state is unknown: it must not go back to the pool.
                    try? await connection.close()
                }
                throw error
            }
            try await connection.query("COMMIT", logger: self.logger)
            return result
        }
    }

    /// A PostgreSQL failure as the store's callers act on it; others unchanged.
    private static func storeError(_ error: any Error, settings: PostgresSettings, logger: Logger) -> any Error {
        if error is NIOSSLError || error is BoringSSLError {
            return FlowStoreError(
                .refused,
                "the TLS handshake with PostgreSQL at \(settings.host):\(settings.port) failed (sslmode=\(settings.tlsMode.rawValue)): \(error)"
            )
        }
        guard let error = error as? PSQLError else { return error }
        if let underlying = error.underlying, underlying is NIOSSLError || underlying is BoringSSLError {
            return storeError(underlying, settings: settings, logger: logger)
        }
        switch error.code {
        case .server:
            let state = error.serverInfo?[.sqlState] ?? ""
            let message = error.serverInfo?[.message] ?? ""
            switch state {
            case "23505":
                return FlowStoreError.duplicate("a record with the same key exists")
            case "22P05", "22021":
                return FlowStoreError(.unstorableText, "text must not contain the character U+0000")
            case "57014":
                return FlowStoreError(.unavailable, "PostgreSQL cancelled a statement that ran longer than \(settings.statementTimeoutSeconds) s")
            case _ where state.hasPrefix("28") || state.hasPrefix("3D"):
                // Authentication, a database that does not exist: the settings are at fault.
                return FlowStoreError(.refused, "PostgreSQL refused the connection: \(message)")
            case _ where state.hasPrefix("08") || state.hasPrefix("53") || state.hasPrefix("57P"):
                return FlowStoreError(.unavailable, "PostgreSQL is not available (\(state): \(message))")
            default:
                logger.error("PostgreSQL refused a statement", metadata: ["sqlstate": "\(state)", "message": "\(message)"])
                return FlowStoreError(.failed, "PostgreSQL refused a statement (\(state))")
            }
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed, .queryCancelled:
            return FlowStoreError(.unavailable, "the connection to PostgreSQL at \(settings.host):\(settings.port) failed (\(error.code))")
        case .sslUnsupported:
            return FlowStoreError(
                .unavailable,
                "PostgreSQL at \(settings.host):\(settings.port) does not offer TLS, which sslmode=\(settings.tlsMode.rawValue) requires"
            )
        default:
            return FlowStoreError(.unavailable, "PostgreSQL at \(settings.host):\(settings.port) cannot be used (\(error.code))")
        }
    }
}

/// Whether a call got its connection (the wait for one is bounded, the work done on it is not).
private final class ConnectionAcquired: Sendable {
    let flag = Atomic<Bool>(false)
}
