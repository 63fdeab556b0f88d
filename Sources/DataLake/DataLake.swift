// The local data lake: datasets and their batches under `<data dir>/lake/<org>/<sandbox>/`.
//
//   <dataset id>/dataset.json            the dataset record (schema, name, …)
//   <dataset id>/batches/<batch id>/     committed batches: part-NNNNN.parquet files and _batch.json
//   <dataset id>/_staging/<batch id>/    batches being written (never read as data)
//   <dataset id>/_failed/<batch id>.json aborted or interrupted batches (records only, no files)
//
// A batch becomes visible in one step: its staging folder, files and record fsynced, is renamed
// into batches/. Readers of the data (Spark, pyarrow) read `batches/*/part-*.parquet`.
public import FlowModel
import Foundation
public import Parquet

/// Datasets and batches on the local file system.
public struct DataLake: Sendable {
    /// The lake's folder.
    public let root: URL
    /// A batch starts a new file after this many rows.
    public var rowsPerFile: Int64 = 5_000_000
    /// How batch files are written: ``defaultCompression``, 64 MiB row groups.
    public var writerOptions = ParquetWriterOptions()

    /// The codec of a dataset that names none: ZSTD (level 3), or GZIP on a machine without libzstd.
    /// Measured (Benchmarks/parquet/run.sh, 2M mixed rows): ZSTD wrote 3.5M rows/s into 12.6 MB,
    /// SNAPPY 3.2M into 51.7 MB, GZIP 0.49M into 20.4 MB, uncompressed 4.1M into 103 MB — the
    /// fastest of the compressing codecs and the smallest; Spark, pyarrow and DuckDB read all four.
    public static let defaultCompression: ParquetCompression = (try? ParquetCompression.zstd.checkAvailable()) != nil ? .zstd : .gzip

    /// A lake in `root` (created when missing).
    public init(root: URL) throws(DataLakeError) {
        self.root = root
        writerOptions.compression = Self.defaultCompression
        try DurableFiles.makeDirectory(root)
    }

    // MARK: Datasets

    /// Creates a dataset.
    public func createDataset(
        name: String,
        description: String?,
        schema: DatasetSchema,
        schemaRef: JSONValue?,
        compression: ParquetCompression? = nil,
        in scope: TenantScope,
        now: Int64
    ) throws(DataLakeError) -> Dataset {
        let dataset = Dataset(
            id: Self.newDatasetId(),
            name: name,
            description: description,
            schema: schema,
            schemaRef: schemaRef,
            schemaVersion: 1,
            created: now,
            updated: now,
            scope: scope,
            compression: compression
        )
        let folder = try datasetFolder(dataset.id, in: scope)
        try DurableFiles.makeDirectory(folder.appendingPathComponent("batches"))
        try DurableFiles.write(dataset.document, to: folder.appendingPathComponent("dataset.json"))
        return dataset
    }

    /// The dataset `id` of the organization and sandbox, or `nil`.
    public func dataset(_ id: String, in scope: TenantScope) throws(DataLakeError) -> Dataset? {
        guard Self.isDatasetId(id) else { return nil }
        guard let document = try DurableFiles.read(try datasetFolder(id, in: scope).appendingPathComponent("dataset.json")) else { return nil }
        return try Dataset(document: document)
    }

    /// Every dataset of the organization and sandbox, newest first.
    public func datasets(in scope: TenantScope) throws(DataLakeError) -> [Dataset] {
        var result: [Dataset] = []
        for id in DurableFiles.entries(try scopeFolder(scope)) where Self.isDatasetId(id) {
            if let dataset = try dataset(id, in: scope) { result.append(dataset) }
        }
        return result.sorted { ($0.created, $0.id) > ($1.created, $1.id) }
    }

    /// Replaces a dataset's schema with one that only adds nullable fields.
    public func evolveSchema(_ id: String, to schema: DatasetSchema, in scope: TenantScope, now: Int64) throws(DataLakeError) -> Dataset {
        guard var dataset = try dataset(id, in: scope) else { throw DataLakeError(.notFound, "dataset \(id) does not exist") }
        guard dataset.schema.canEvolve(to: schema) else {
            throw DataLakeError(.invalidSchema, "a dataset's schema may only grow by nullable fields added after the existing ones")
        }
        guard schema != dataset.schema else { return dataset }
        dataset.schema = schema
        dataset.schemaVersion += 1
        dataset.updated = now
        try DurableFiles.write(dataset.document, to: try datasetFolder(id, in: scope).appendingPathComponent("dataset.json"))
        return dataset
    }

    /// Changes a dataset's name and description.
    public func rename(_ id: String, name: String, description: String?, in scope: TenantScope, now: Int64) throws(DataLakeError) -> Dataset {
        guard var dataset = try dataset(id, in: scope) else { throw DataLakeError(.notFound, "dataset \(id) does not exist") }
        dataset.name = name
        dataset.description = description
        dataset.updated = now
        try DurableFiles.write(dataset.document, to: try datasetFolder(id, in: scope).appendingPathComponent("dataset.json"))
        return dataset
    }

    /// Deletes a dataset and its batches; `false` when there is no such dataset. The folder leaves
    /// its place in one rename before it is removed, so readers never see half a dataset.
    public func deleteDataset(_ id: String, in scope: TenantScope) throws(DataLakeError) -> Bool {
        guard try dataset(id, in: scope) != nil else { return false }
        let trash = root.appendingPathComponent(".trash")
        try DurableFiles.makeDirectory(trash)
        let target = trash.appendingPathComponent(UUID().uuidString)
        guard try DurableFiles.renameIfAbsent(try datasetFolder(id, in: scope), to: target) else { return false }
        DurableFiles.remove(target)
        return true
    }

    // MARK: Batches

    /// Opens a batch on the dataset: rows go in with ``BatchWriter/write(_:)``, become visible with
    /// ``BatchWriter/commit(now:)``, and are discarded by ``BatchWriter/abort(reason:now:)``.
    ///
    /// A writer that shares the lake with other processes leases the batch: `lease` names the writer
    /// and when the lease ends (renewed with ``BatchWriter/renewLease(until:)``); recovery leaves the
    /// batch alone until then.
    public func openBatch(on datasetId: String, in scope: TenantScope, now: Int64, lease: BatchLease? = nil) throws(DataLakeError) -> BatchWriter {
        guard let dataset = try dataset(datasetId, in: scope) else { throw DataLakeError(.notFound, "dataset \(datasetId) does not exist") }
        let folder = try datasetFolder(datasetId, in: scope)
        let record = BatchRecord(
            id: Self.newBatchId(now: now),
            datasetId: datasetId,
            status: .loading,
            created: now,
            schemaVersion: dataset.schemaVersion
        )
        let staging = folder.appendingPathComponent("_staging").appendingPathComponent(record.id)
        try DurableFiles.makeDirectory(staging)
        if let lease { try DurableFiles.write(lease.document, to: staging.appendingPathComponent(BatchLease.fileName)) }
        try DurableFiles.write(record.document, to: staging.appendingPathComponent(BatchWriter.recordName))
        return BatchWriter(lake: self, dataset: dataset, datasetFolder: folder, staging: staging, record: record, lease: lease)
    }

    /// The batch `id` of the organization and sandbox, in any state, or `nil`.
    public func batch(_ id: String, in scope: TenantScope) throws(DataLakeError) -> BatchRecord? {
        guard Self.isBatchId(id) else { return nil }
        for datasetId in DurableFiles.entries(try scopeFolder(scope)) where Self.isDatasetId(datasetId) {
            if let record = try batch(id, datasetFolder: try datasetFolder(datasetId, in: scope)) { return record }
        }
        return nil
    }

    /// The batches of the organization and sandbox (of one dataset when given), newest first.
    public func batches(in scope: TenantScope, datasetId: String? = nil) throws(DataLakeError) -> [BatchRecord] {
        var datasetIds = DurableFiles.entries(try scopeFolder(scope)).filter(Self.isDatasetId)
        if let datasetId { datasetIds = datasetIds.filter { $0 == datasetId } }
        var records: [BatchRecord] = []
        for datasetId in datasetIds {
            let folder = try datasetFolder(datasetId, in: scope)
            for name in DurableFiles.entries(folder.appendingPathComponent("batches")) {
                if let record = try DurableFiles.read(folder.appendingPathComponent("batches/\(name)/\(BatchWriter.recordName)")) {
                    records.append(try BatchRecord(document: record))
                }
            }
            for name in DurableFiles.entries(folder.appendingPathComponent("_staging")) {
                if let record = try DurableFiles.read(folder.appendingPathComponent("_staging/\(name)/\(BatchWriter.recordName)")) {
                    records.append(try BatchRecord(document: record))
                }
            }
            for name in DurableFiles.entries(folder.appendingPathComponent("_failed")) where name.hasSuffix(".json") {
                if let record = try DurableFiles.read(folder.appendingPathComponent("_failed/\(name)")) {
                    records.append(try BatchRecord(document: record))
                }
            }
        }
        return records.sorted { ($0.created, $0.id) > ($1.created, $1.id) }
    }

    private func batch(_ id: String, datasetFolder folder: URL) throws(DataLakeError) -> BatchRecord? {
        for path in ["batches/\(id)/\(BatchWriter.recordName)", "_staging/\(id)/\(BatchWriter.recordName)", "_failed/\(id).json"] {
            if let document = try DurableFiles.read(folder.appendingPathComponent(path)) { return try BatchRecord(document: document) }
        }
        return nil
    }

    /// Batches left in staging by a process that stopped (crash, kill, power loss) become failed
    /// batches without files. The only writer of the lake calls it once when it starts, before it
    /// opens a batch: every staged batch is then an interrupted one. Writers that share the lake
    /// pass `expiredOnly`, which leaves every batch whose lease has not ended (a live writer's) and
    /// takes a batch without a lease as leased until `unleasedFor` after its last update.
    @discardableResult
    public func recoverInterruptedBatches(now: Int64, expiredOnly: Bool = false, unleasedFor: Int64 = 0) throws(DataLakeError) -> [BatchRecord] {
        var recovered: [BatchRecord] = []
        for org in DurableFiles.entries(root) {
            for sandbox in DurableFiles.entries(root.appendingPathComponent(org)) {
                for datasetId in DurableFiles.entries(root.appendingPathComponent("\(org)/\(sandbox)")) where Self.isDatasetId(datasetId) {
                    let folder = root.appendingPathComponent("\(org)/\(sandbox)/\(datasetId)")
                    for id in DurableFiles.entries(folder.appendingPathComponent("_staging")) {
                        let staging = folder.appendingPathComponent("_staging/\(id)")
                        guard let document = try? DurableFiles.read(staging.appendingPathComponent(BatchWriter.recordName)),
                            var record = try? BatchRecord(document: document)
                        else {
                            DurableFiles.remove(staging)
                            continue
                        }
                        if expiredOnly {
                            let lease = (try? DurableFiles.read(staging.appendingPathComponent(BatchLease.fileName))).flatMap(
                                BatchLease.init(document:)
                            )
                            if (lease?.expiresAt ?? (record.updated + unleasedFor)) > now { continue }
                        }
                        record.status = .failed
                        record.files = []
                        record.errors.append("the writing process stopped before the batch was committed; nothing of it is visible")
                        record.updated = now
                        record.completed = now
                        try BatchWriter.recordFailure(record, datasetFolder: folder, staging: staging)
                        recovered.append(record)
                    }
                }
            }
        }
        return recovered
    }

    // MARK: Layout

    func scopeFolder(_ scope: TenantScope) throws(DataLakeError) -> URL {
        guard Self.isSafeName(scope.orgId), Self.isSafeName(scope.sandboxName) else {
            throw DataLakeError(.invalidState, "the organization or sandbox name cannot be used as a folder name")
        }
        return root.appendingPathComponent(scope.orgId).appendingPathComponent(scope.sandboxName)
    }

    func datasetFolder(_ id: String, in scope: TenantScope) throws(DataLakeError) -> URL {
        guard Self.isDatasetId(id) else { throw DataLakeError(.notFound, "dataset \(id.prefix(64)) does not exist") }
        return try scopeFolder(scope).appendingPathComponent(id)
    }

    static func isSafeName(_ name: String) -> Bool {
        (1...128).contains(name.count) && name != "." && name != ".." && !name.hasPrefix(".")
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_@.".contains($0)) }
    }

    /// 24 lower-case hex digits.
    static func isDatasetId(_ id: String) -> Bool {
        id.count == 24 && id.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    /// 26 Crockford base-32 characters.
    static func isBatchId(_ id: String) -> Bool {
        id.count == 26 && id.allSatisfy { crockford.contains($0) }
    }

    static func newDatasetId() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<24).map { _ in String(UInt8.random(in: 0..<16, using: &generator), radix: 16) }.joined()
    }

    static let crockford = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    /// A ULID: 48 bits of milliseconds then 80 random bits, so ids sort by creation time.
    static func newBatchId(now: Int64) -> String {
        var generator = SystemRandomNumberGenerator()
        var characters: [Character] = []
        var time = UInt64(max(0, now))
        for _ in 0..<10 {
            characters.append(crockford[Int(time % 32)])
            time /= 32
        }
        characters.reverse()
        for _ in 0..<16 { characters.append(crockford[Int.random(in: 0..<32, using: &generator)]) }
        return String(characters)
    }
}
