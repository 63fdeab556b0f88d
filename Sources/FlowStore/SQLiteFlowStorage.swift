// The embedded default store: one SQLite file in the data directory (WAL, migrations), through GRDB.
public import FlowModel
import Foundation
import GRDB

/// A ``FlowStorage`` on one SQLite database file.
public struct SQLiteFlowStorage: FlowStorage {
    private let pool: DatabasePool
    private let sealer: SecretSealer

    // Every read is one statement, atomic on its own: reads run without a transaction
    // (`unsafeRead`), which spares a BEGIN and a COMMIT per call on the hot path.

    /// Opens (creating and migrating when needed) the database at `path`.
    public init(path: String, sealer: SecretSealer) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        self.sealer = sealer
        try Self.migrator.migrate(pool)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: tenancy and resources") { db in
            try db.execute(
                sql: """
                    CREATE TABLE organizations (
                        id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, created_at INTEGER NOT NULL);
                    CREATE TABLE sandboxes (
                        id TEXT PRIMARY KEY NOT NULL,
                        org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
                        name TEXT NOT NULL, is_default INTEGER NOT NULL, created_at INTEGER NOT NULL,
                        UNIQUE (org_id, name));
                    CREATE TABLE api_clients (
                        client_id TEXT PRIMARY KEY NOT NULL,
                        org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
                        name TEXT NOT NULL, secret_hash TEXT NOT NULL, created_at INTEGER NOT NULL);
                    CREATE TABLE resources (
                        id TEXT PRIMARY KEY NOT NULL, kind TEXT NOT NULL,
                        org_id TEXT NOT NULL, sandbox_name TEXT NOT NULL,
                        etag TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
                        metadata TEXT NOT NULL, body TEXT NOT NULL, sealed_secrets BLOB);
                    CREATE INDEX resources_by_scope ON resources (org_id, sandbox_name, kind, created_at);
                    """
            )
        }
        migrator.registerMigration("v2: resource states") { db in
            try db.execute(
                sql: """
                    ALTER TABLE resources ADD COLUMN state TEXT;
                    UPDATE resources SET state = json_extract(body, '$.state');
                    CREATE INDEX resources_by_state ON resources (kind, state, created_at);
                    """
            )
        }
        migrator.registerMigration("v3: lists answered by indexes") { db in
            // Pages in the default order (newest first, ties by id) and the references lists filter
            // on and deletes check: a run's flow, a source connection's base connection, a flow's
            // source and target connections.
            try db.execute(
                sql: """
                    DROP INDEX resources_by_scope;
                    CREATE INDEX resources_in_order ON resources (org_id, sandbox_name, kind, created_at, id);
                    CREATE INDEX resources_by_flow ON resources (org_id, sandbox_name, kind, json_extract(body, '$.flowId'), created_at, id);
                    CREATE INDEX resources_by_base_connection ON resources (org_id, sandbox_name, kind, json_extract(body, '$.baseConnectionId'));
                    CREATE INDEX resources_by_source_connection ON resources (org_id, sandbox_name, kind, json_extract(body, '$.sourceConnectionIds[0]'));
                    CREATE INDEX resources_by_target_connection ON resources (org_id, sandbox_name, kind, json_extract(body, '$.targetConnectionIds[0]'));
                    """
            )
        }
        migrator.registerMigration("v4: the scheduler's next looks") { db in
            try db.execute(
                sql: """
                    ALTER TABLE resources ADD COLUMN due_at INTEGER;
                    CREATE INDEX resources_due ON resources (kind, due_at) WHERE due_at IS NOT NULL;
                    UPDATE resources SET due_at = updated_at WHERE kind = 'flows';
                    """
            )
        }
        return migrator
    }

    /// The migrations applied, oldest first.
    public func appliedMigrations() async throws -> [String] {
        try await pool.read { db in try Self.migrator.appliedIdentifiers(db).sorted() }
    }

    // MARK: Tenancy

    public func createOrganization(_ organization: Organization, defaultSandbox: Sandbox) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO organizations (id, name, created_at) VALUES (?, ?, ?)",
                arguments: [organization.id, organization.name, organization.createdAt]
            )
            try Self.insertSandbox(defaultSandbox, db)
        }
    }

    public func organizations() async throws -> [Organization] {
        try await pool.unsafeRead { db in
            try Row.fetchAll(db, sql: "SELECT * FROM organizations ORDER BY created_at, id").map {
                Organization(id: $0["id"], name: $0["name"], createdAt: $0["created_at"])
            }
        }
    }

    public func organization(id: String) async throws -> Organization? {
        try await pool.unsafeRead { db in
            try Row.fetchOne(db, sql: "SELECT * FROM organizations WHERE id = ?", arguments: [id]).map {
                Organization(id: $0["id"], name: $0["name"], createdAt: $0["created_at"])
            }
        }
    }

    public func createSandbox(_ sandbox: Sandbox) async throws {
        try await write { db in try Self.insertSandbox(sandbox, db) }
    }

    private static func insertSandbox(_ sandbox: Sandbox, _ db: Database) throws {
        try db.execute(
            sql: "INSERT INTO sandboxes (id, org_id, name, is_default, created_at) VALUES (?, ?, ?, ?, ?)",
            arguments: [sandbox.id, sandbox.orgId, sandbox.name, sandbox.isDefault, sandbox.createdAt]
        )
    }

    public func sandboxes(orgId: String) async throws -> [Sandbox] {
        try await pool.unsafeRead { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM sandboxes WHERE org_id = ? ORDER BY created_at, name"), arguments: [orgId]).map {
                Sandbox(id: $0["id"], name: $0["name"], orgId: $0["org_id"], isDefault: $0["is_default"], createdAt: $0["created_at"])
            }
        }
    }

    public func createClient(_ client: APIClient) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO api_clients (client_id, org_id, name, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [client.clientId, client.orgId, client.name, client.secretHash, client.createdAt]
            )
        }
    }

    public func client(id clientId: String) async throws -> APIClient? {
        try await pool.unsafeRead { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM api_clients WHERE client_id = ?"), arguments: [clientId]).map(Self.client)
        }
    }

    public func clients(orgId: String) async throws -> [APIClient] {
        try await pool.unsafeRead { db in
            try Row.fetchAll(db, sql: "SELECT * FROM api_clients WHERE org_id = ? ORDER BY created_at", arguments: [orgId]).map(Self.client)
        }
    }

    private static func client(_ row: Row) -> APIClient {
        APIClient(clientId: row["client_id"], orgId: row["org_id"], name: row["name"], secretHash: row["secret_hash"], createdAt: row["created_at"])
    }

    // MARK: Resources

    public func insert(_ resource: FlowResource) async throws {
        let columns = try encode(resource)
        try await write { db in try Self.insert(resource, columns, db) }
    }

    private static func insert(_ resource: FlowResource, _ columns: ResourceColumns, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO resources (id, kind, org_id, sandbox_name, etag, created_at, updated_at, metadata, body, sealed_secrets, state, due_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                resource.id, resource.kind.rawValue, resource.metadata.imsOrgId, resource.metadata.sandboxName,
                resource.metadata.etag, resource.metadata.createdAt, resource.metadata.updatedAt,
                columns.metadata, columns.body, columns.sealedSecrets, resource.body["state"]?.stringValue, columns.dueAt,
            ]
        )
    }

    public func resource(_ kind: ResourceKind, id: String, in scope: TenantScope) async throws -> FlowResource? {
        try await pool.unsafeRead { db in
            // The hot path: the statement is compiled once per connection.
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM resources WHERE id = ? AND kind = ? AND org_id = ? AND sandbox_name = ?"),
                arguments: [id, kind.rawValue, scope.orgId, scope.sandboxName]
            ).map(self.decode)
        }
    }

    public func resources(_ kind: ResourceKind, in scope: TenantScope, matching query: ResourceQuery) async throws -> [OrderedResource] {
        let order = SQLField(query.order) ?? SQLField(value: "NULL", kind: .absent)
        var sql = SQLFragment()
        sql.append("SELECT *, \(order.rank ?? String(order.fixedRank)) AS sort_rank, \(order.value) AS sort_value FROM resources WHERE ")
        var matchFilters: [PropertyFilter] = []
        Self.scoped(kind, scope, query.filters, into: &sql, functionFilters: &matchFilters)
        if let after = query.after {
            sql.append(" AND ")
            Self.position(after: after, order, descending: query.descending, into: &sql)
        }
        let direction = query.descending ? " DESC" : ""
        sql.append(" ORDER BY ")
        if let rank = order.rank { sql.append(rank + direction + ", ") }
        sql.append("\(order.value)\(direction), id\(direction) LIMIT ")
        sql.bind(query.limit ?? -1)
        sql.append(" OFFSET ")
        sql.bind(max(0, query.offset))
        let (statement, functionFilters) = (sql, matchFilters)
        return try await pool.unsafeRead { db in
            try Self.withMatchFunction(functionFilters, db) {
                try Row.fetchAll(db, sql: statement.sql, arguments: statement.statementArguments).map { row in
                    let value: DatabaseValue = row["sort_value"]
                    let position = ListQuery.Cursor(value: Self.json(value), id: row["id"], rank: row["sort_rank"])
                    return OrderedResource(resource: try self.decode(row), position: position)
                }
            }
        }
    }

    public func count(_ kind: ResourceKind, in scope: TenantScope, matching filters: [StoredFilter]) async throws -> Int {
        var sql = SQLFragment()
        sql.append("SELECT COUNT(*) FROM resources WHERE ")
        var matchFilters: [PropertyFilter] = []
        Self.scoped(kind, scope, filters, into: &sql, functionFilters: &matchFilters)
        let (statement, functionFilters) = (sql, matchFilters)
        return try await pool.unsafeRead { db in
            try Self.withMatchFunction(functionFilters, db) {
                try Int.fetchOne(db, sql: statement.sql, arguments: statement.statementArguments) ?? 0
            }
        }
    }

    /// The scope, the kind and every filter.
    private static func scoped(
        _ kind: ResourceKind,
        _ scope: TenantScope,
        _ filters: [StoredFilter],
        into sql: inout SQLFragment,
        functionFilters: inout [PropertyFilter]
    ) {
        // Resources named by id are found by the primary key: with the scope's terms written `+column`
        // no list index can serve them (SQLite took the target-connection index for ten runtimes by id
        // and read every runtime of the sandbox).
        let byId = filters.contains { $0.field == .id } ? "+" : ""
        sql.append("\(byId)org_id = ")
        sql.bind(scope.orgId)
        sql.append(" AND \(byId)sandbox_name = ")
        sql.bind(scope.sandboxName)
        sql.append(" AND \(byId)kind = ")
        sql.bind(kind.rawValue)
        for filter in filters {
            sql.append(" AND ")
            SQLFilters.condition(filter.field, filter.filter, into: &sql, functionFilters: &functionFilters)
        }
    }

    /// Rows after `cursor` in the order of `field` (its type's rank, its value, the id).
    private static func position(after cursor: ListQuery.Cursor, _ field: SQLField, descending: Bool, into sql: inout SQLFragment) {
        let beyond = descending ? "<" : ">"
        let value = databaseValue(cursor.value)
        guard let rank = field.rank else {
            if case .absent = field.kind {
                sql.append("id \(beyond) ")
                sql.bind(cursor.id)
                return
            }
            // One type: a row-value comparison the order's index serves as a range.
            sql.append("(\(field.value), id) \(beyond) (")
            sql.bind(value)
            sql.append(", ")
            sql.bind(cursor.id)
            sql.append(")")
            return
        }
        let cursorRank = cursor.rank ?? 0
        sql.append("(\(rank) \(beyond) ")
        sql.bind(cursorRank)
        sql.append(" OR (\(rank) = ")
        sql.bind(cursorRank)
        if value.isNull {
            sql.append(" AND id \(beyond) ")
            sql.bind(cursor.id)
            sql.append("))")
            return
        }
        sql.append(" AND (\(field.value) \(beyond) ")
        sql.bind(value)
        sql.append(" OR (\(field.value) = ")
        sql.bind(value)
        sql.append(" AND id \(beyond) ")
        sql.bind(cursor.id)
        sql.append("))))")
    }

    /// Runs `work` with `tributary_match(json, index)` defined: whether `filters[index]` holds for the JSON text.
    private static func withMatchFunction<T>(_ filters: [PropertyFilter], _ db: Database, _ work: () throws -> T) throws -> T {
        guard !filters.isEmpty else { return try work() }
        let function = DatabaseFunction("tributary_match", argumentCount: 2, pure: true) { values in
            guard let text = String.fromDatabaseValue(values[0]), let index = Int.fromDatabaseValue(values[1]), filters.indices.contains(index),
                let document = try? JSONValue(parsing: text)
            else { return false }
            return filters[index].matches(document)
        }
        db.add(function: function)
        defer { db.remove(function: function) }
        return try work()
    }

    private static func databaseValue(_ value: JSONValue) -> DatabaseValue {
        switch value {
        case .integer(let number): number.databaseValue
        case .number(let number): number.databaseValue
        case .string(let text): text.databaseValue
        case .bool(let flag): (flag ? 1 : 0).databaseValue
        case .null, .array, .object: .null
        }
    }

    private static func json(_ value: DatabaseValue) -> JSONValue {
        switch value.storage {
        case .int64(let number): .integer(number)
        case .double(let number): .number(number)
        case .string(let text): .string(text)
        case .null, .blob: .null
        }
    }

    public func replace(_ resource: FlowResource, expectedEtag: String) async throws -> Bool {
        let columns = try encode(resource)
        return try await write { db in try Self.replace(resource, columns, expectedEtag: expectedEtag, db) }
    }

    private static func replace(_ resource: FlowResource, _ columns: ResourceColumns, expectedEtag: String, _ db: Database) throws -> Bool {
        let metadata = resource.metadata
        try db.execute(
            sql: """
                UPDATE resources SET etag = ?, updated_at = ?, metadata = ?, body = ?, sealed_secrets = ?, state = ?, due_at = ?
                WHERE id = ? AND kind = ? AND org_id = ? AND sandbox_name = ? AND etag = ?
                """,
            arguments: [
                metadata.etag, metadata.updatedAt, columns.metadata, columns.body, columns.sealedSecrets, resource.body["state"]?.stringValue,
                columns.dueAt,
                metadata.id, resource.kind.rawValue, metadata.imsOrgId, metadata.sandboxName, expectedEtag,
            ]
        )
        return db.changesCount == 1
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
            try await write { db in
                for (change, columns) in encoded {
                    switch change {
                    case .insert(let resource):
                        try Self.insert(resource, columns!, db)
                    case .replace(let resource, let etag):
                        guard try Self.replace(resource, columns!, expectedEtag: etag, db) else { throw StaleChange() }
                    case .delete(let resource, let etag):
                        try db.execute(
                            sql: "DELETE FROM resources WHERE id = ? AND kind = ? AND org_id = ? AND sandbox_name = ? AND etag = ?",
                            arguments: [resource.id, resource.kind.rawValue, resource.metadata.imsOrgId, resource.metadata.sandboxName, etag]
                        )
                        guard db.changesCount == 1 else { throw StaleChange() }
                    case .setDue(let kind, let id, let scope, let etag, let time):
                        try db.execute(
                            sql: "UPDATE resources SET due_at = ? WHERE id = ? AND kind = ? AND org_id = ? AND sandbox_name = ? AND etag = ?",
                            arguments: [time, id, kind.rawValue, scope.orgId, scope.sandboxName, etag]
                        )
                        guard db.changesCount == 1 else { throw StaleChange() }
                    case .hasten(let kind, let id, let scope, let time):
                        try db.execute(
                            sql:
                                "UPDATE resources SET due_at = MIN(COALESCE(due_at, ?), ?) WHERE id = ? AND kind = ? AND org_id = ? AND sandbox_name = ?",
                            arguments: [time, time, id, kind.rawValue, scope.orgId, scope.sandboxName]
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
        try await pool.unsafeRead { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM resources WHERE kind = ? AND state = ? ORDER BY created_at, id",
                arguments: [kind.rawValue, state]
            ).map(self.decode)
        }
    }

    public func due(_ kind: ResourceKind, by time: Int64, limit: Int) async throws -> [FlowResource] {
        try await pool.unsafeRead { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM resources WHERE kind = ? AND due_at <= ? ORDER BY due_at LIMIT ?",
                arguments: [kind.rawValue, time, limit]
            ).map(self.decode)
        }
    }

    public func earliestDue(_ kind: ResourceKind) async throws -> Int64? {
        try await pool.unsafeRead { db in
            try Int64.fetchOne(db, sql: "SELECT MIN(due_at) FROM resources WHERE kind = ? AND due_at IS NOT NULL", arguments: [kind.rawValue])
        }
    }

    public func delete(_ kind: ResourceKind, id: String, in scope: TenantScope) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: "DELETE FROM resources WHERE id = ? AND kind = ? AND org_id = ? AND sandbox_name = ?",
                arguments: [id, kind.rawValue, scope.orgId, scope.sandboxName]
            )
            return db.changesCount == 1
        }
    }

    // MARK: Encoding

    private func encode(_ resource: FlowResource) throws -> ResourceColumns {
        try ResourceColumns(resource, sealer: sealer)
    }

    private func decode(_ row: Row) throws -> FlowResource {
        try ResourceColumns(metadata: row["metadata"], body: row["body"], sealedSecrets: row["sealed_secrets"])
            .resource(ResourceKind(rawValue: row["kind"]), id: row["id"], sealer: sealer)
    }

    private func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.write(work)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw FlowStoreError.duplicate("a record with the same key exists")
        }
    }
}
