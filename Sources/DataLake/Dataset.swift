// A dataset's record (`dataset.json` in its folder) and a batch's record (`_batch.json` in the
// batch's folder, or in `_failed/` for batches that never became visible).
public import FlowModel
public import Parquet

/// A dataset: a named schema and the batches written to it.
public struct Dataset: Sendable, Hashable {
    /// The id: 24 lower-case hex digits, as Catalog ids look.
    public var id: String
    /// The name.
    public var name: String
    /// A description.
    public var description: String?
    /// The schema new batches are written with.
    public var schema: DatasetSchema
    /// The XDM schema reference the client gave, kept as given.
    public var schemaRef: JSONValue?
    /// How many times the schema changed.
    public var schemaVersion: Int
    /// Creation and last update, epoch milliseconds.
    public var created: Int64
    public var updated: Int64
    /// The owning organization and sandbox.
    public var scope: TenantScope
    /// The codec of the dataset's Parquet files; nil: the lake's default.
    public var compression: ParquetCompression?

    /// The record as stored and as the catalog API shows it.
    public var document: JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(id), "name": .string(name), "schema": schema.document, "schemaVersion": .integer(Int64(schemaVersion)),
            "created": .integer(created), "updated": .integer(updated), "imsOrg": .string(scope.orgId),
            "sandboxId": .string(scope.sandboxId), "sandboxName": .string(scope.sandboxName),
        ]
        if let description { members["description"] = .string(description) }
        if let schemaRef { members["schemaRef"] = schemaRef }
        if let compression { members["compression"] = .string(compression.name) }
        return .object(members)
    }

    init(
        id: String,
        name: String,
        description: String?,
        schema: DatasetSchema,
        schemaRef: JSONValue?,
        schemaVersion: Int,
        created: Int64,
        updated: Int64,
        scope: TenantScope,
        compression: ParquetCompression?
    ) {
        self.id = id
        self.name = name
        self.description = description
        self.schema = schema
        self.schemaRef = schemaRef
        self.schemaVersion = schemaVersion
        self.created = created
        self.updated = updated
        self.scope = scope
        self.compression = compression
    }

    init(document: JSONValue) throws(DataLakeError) {
        guard let id = document["id"]?.stringValue, let name = document["name"]?.stringValue, let schema = document["schema"],
            let org = document["imsOrg"]?.stringValue, let sandbox = document["sandboxName"]?.stringValue
        else { throw DataLakeError(.io, "a dataset record is incomplete") }
        self.init(
            id: id,
            name: name,
            description: document["description"]?.stringValue,
            schema: try DatasetSchema(parsing: schema),
            schemaRef: document["schemaRef"],
            schemaVersion: Int(document["schemaVersion"]?.int64Value ?? 1),
            created: document["created"]?.int64Value ?? 0,
            updated: document["updated"]?.int64Value ?? 0,
            scope: TenantScope(orgId: org, sandboxName: sandbox, sandboxId: document["sandboxId"]?.stringValue ?? ""),
            compression: document["compression"]?.stringValue.flatMap(ParquetCompression.init(name:))
        )
    }
}

/// One Parquet file of a batch.
public struct BatchFile: Sendable, Hashable {
    /// The file name within the batch folder.
    public var name: String
    /// Rows in it.
    public var rowCount: Int64
    /// Its size.
    public var byteCount: Int64
}

/// A batch: rows written to a dataset together, visible all at once or not at all.
public struct BatchRecord: Sendable, Hashable {
    /// Where a batch is in its life.
    public enum Status: String, Sendable, Hashable {
        /// Being written; not visible.
        case loading
        /// Committed: its files are visible.
        case success
        /// Aborted or interrupted: nothing of it is visible.
        case failed
    }

    /// The id (26 upper-case letters and digits, a ULID-like sortable id).
    public var id: String
    /// The dataset.
    public var datasetId: String
    /// The status.
    public var status: Status
    /// Rows and bytes written.
    public var rowCount: Int64
    public var byteCount: Int64
    /// The files (success only).
    public var files: [BatchFile]
    /// What went wrong (failed only).
    public var errors: [String]
    /// Creation, last update and completion, epoch milliseconds.
    public var created: Int64
    public var updated: Int64
    public var completed: Int64?
    /// The dataset's schema version the batch was written with.
    public var schemaVersion: Int

    /// The record as stored and as the catalog API shows it.
    public var document: JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(id), "status": .string(status.rawValue), "created": .integer(created), "updated": .integer(updated),
            "relatedObjects": [["type": "dataSet", "id": .string(datasetId)]],
            "metrics": [
                "recordsWritten": .integer(rowCount), "outputByteSize": .integer(byteCount), "outputFileCount": .integer(Int64(files.count)),
            ],
            "files": .array(files.map { ["name": .string($0.name), "records": .integer($0.rowCount), "bytes": .integer($0.byteCount)] }),
            "schemaVersion": .integer(Int64(schemaVersion)),
        ]
        if let completed { members["completed"] = .integer(completed) }
        if !errors.isEmpty { members["errors"] = .array(errors.map { ["description": .string($0)] }) }
        return .object(members)
    }

    init(id: String, datasetId: String, status: Status, created: Int64, schemaVersion: Int) {
        self.id = id
        self.datasetId = datasetId
        self.status = status
        self.rowCount = 0
        self.byteCount = 0
        self.files = []
        self.errors = []
        self.created = created
        self.updated = created
        self.completed = nil
        self.schemaVersion = schemaVersion
    }

    init(document: JSONValue) throws(DataLakeError) {
        guard let id = document["id"]?.stringValue, let status = document["status"]?.stringValue.flatMap(Status.init(rawValue:)),
            let datasetId = document["relatedObjects"]?.arrayValue?.first?["id"]?.stringValue
        else { throw DataLakeError(.io, "a batch record is incomplete") }
        self.init(
            id: id,
            datasetId: datasetId,
            status: status,
            created: document["created"]?.int64Value ?? 0,
            schemaVersion: Int(document["schemaVersion"]?.int64Value ?? 1)
        )
        updated = document["updated"]?.int64Value ?? created
        completed = document["completed"]?.int64Value
        rowCount = document["metrics"]?["recordsWritten"]?.int64Value ?? 0
        byteCount = document["metrics"]?["outputByteSize"]?.int64Value ?? 0
        files = (document["files"]?.arrayValue ?? []).compactMap { file in
            guard let name = file["name"]?.stringValue else { return nil }
            return BatchFile(name: name, rowCount: file["records"]?.int64Value ?? 0, byteCount: file["bytes"]?.int64Value ?? 0)
        }
        errors = (document["errors"]?.arrayValue ?? []).compactMap { $0["description"]?.stringValue }
    }
}

/// A writer's hold on an open batch in a lake other processes write too: recovery fails the batch
/// only once the lease has ended (the writer stopped renewing it: it is gone).
public struct BatchLease: Sendable, Hashable {
    /// The writer (an instance name).
    public var owner: String
    /// Epoch milliseconds.
    public var expiresAt: Int64

    static let fileName = "_lease.json"

    /// A lease of `owner` until `expiresAt`.
    public init(owner: String, expiresAt: Int64) {
        self.owner = owner
        self.expiresAt = expiresAt
    }

    var document: JSONValue { ["owner": .string(owner), "expiresAt": .integer(expiresAt)] }

    init?(document: JSONValue) {
        guard let owner = document["owner"]?.stringValue, let expiresAt = document["expiresAt"]?.int64Value else { return nil }
        self.init(owner: owner, expiresAt: expiresAt)
    }
}
