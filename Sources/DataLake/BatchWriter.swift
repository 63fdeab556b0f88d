// Writing one batch: Parquet files in the batch's staging folder, then either a commit that makes
// them visible in one rename, or an abort that leaves nothing behind but a failed record.
import FlowModel
import Foundation
public import Parquet

/// An open batch. Use from one task; call ``commit(now:)`` or ``abort(reason:now:)`` once done.
public final class BatchWriter {
    /// The batch's record as it stands.
    public private(set) var record: BatchRecord
    /// The dataset, with the schema rows must fit.
    public let dataset: Dataset
    let lake: DataLake
    let datasetFolder: URL
    let staging: URL
    private var file: ParquetFileWriter?
    private var rowsInFile: Int64 = 0
    private var files: [BatchFile] = []

    static let recordName = "_batch.json"

    /// The writer's lease on the batch, when it shares the lake.
    public private(set) var lease: BatchLease?

    init(lake: DataLake, dataset: Dataset, datasetFolder: URL, staging: URL, record: BatchRecord, lease: BatchLease?) {
        self.lake = lake
        self.dataset = dataset
        self.datasetFolder = datasetFolder
        self.staging = staging
        self.record = record
        self.lease = lease
    }

    /// Extends the writer's lease on the open batch to `expiresAt` (no-op without a lease).
    public func renewLease(until expiresAt: Int64) throws(DataLakeError) {
        guard var renewed = lease, record.status == .loading else { return }
        renewed.expiresAt = expiresAt
        try DurableFiles.write(renewed.document, to: staging.appendingPathComponent(BatchLease.fileName))
        lease = renewed
    }

    /// Appends rows, one column per dataset field, in schema order. Rows that do not fit the schema
    /// are refused whole; the batch stays open.
    public func write(_ columns: [ParquetColumn]) throws(DataLakeError) {
        guard record.status == .loading else { throw DataLakeError(.invalidState, "batch \(record.id) is \(record.status.rawValue)") }
        let rows = Int64(columns.first?.count ?? 0)
        if file == nil || rowsInFile >= lake.rowsPerFile { try startFile() }
        do {
            try file!.write(columns)
        } catch  where error.code == .invalidBatch {
            throw DataLakeError(.invalidBatch, error.message)
        } catch {
            throw DataLakeError(.io, error.message)
        }
        rowsInFile += rows
        record.rowCount += rows
    }

    private func startFile() throws(DataLakeError) {
        try closeFile()
        let name = String(format: "part-%05d.parquet", files.count)
        var options = lake.writerOptions
        if let compression = dataset.compression, compression != options.compression {
            options.compression = compression
            options.compressionLevel = nil
        }
        options.metadata["tributary.batch"] = record.id
        options.metadata["tributary.dataset"] = dataset.id
        let schema = try dataset.schema.parquetSchema
        do {
            file = try ParquetFileWriter(path: staging.appendingPathComponent(name).path, schema: schema, options: options)
        } catch {
            throw DataLakeError(.io, error.message)
        }
        rowsInFile = 0
    }

    private func closeFile() throws(DataLakeError) {
        guard let current = file else { return }
        file = nil
        do {
            let summary = try current.close()
            files.append(
                BatchFile(name: URL(fileURLWithPath: current.path).lastPathComponent, rowCount: summary.rowCount, byteCount: summary.byteCount)
            )
        } catch {
            throw DataLakeError(.io, error.message)
        }
    }

    /// Makes the batch visible: files closed and flushed, the record written, the staging folder
    /// renamed into `batches/` in one step. Committing a committed batch returns its record.
    @discardableResult
    public func commit(now: Int64) throws(DataLakeError) -> BatchRecord {
        switch record.status {
        case .success: return record
        case .failed: throw DataLakeError(.invalidState, "batch \(record.id) failed and cannot be committed")
        case .loading: break
        }
        do {
            try closeFile()
            var committed = record
            committed.status = .success
            committed.files = files
            committed.byteCount = files.reduce(0) { $0 + $1.byteCount }
            committed.updated = now
            committed.completed = now
            try DurableFiles.write(committed.document, to: staging.appendingPathComponent(Self.recordName))
            try DurableFiles.syncDirectory(staging)
            let batches = datasetFolder.appendingPathComponent("batches")
            try DurableFiles.makeDirectory(batches)
            if try DurableFiles.renameIfAbsent(staging, to: batches.appendingPathComponent(record.id)) {
                try DurableFiles.syncDirectory(batches)
                try DurableFiles.syncDirectory(staging.deletingLastPathComponent())
            } else {
                DurableFiles.remove(staging)
            }
            record = committed
            return record
        } catch {
            abort(reason: "the commit failed: \(error.message)", now: now)
            throw error
        }
    }

    /// Discards the batch: its files are deleted and a failed record says why.
    @discardableResult
    public func abort(reason: String, now: Int64) -> BatchRecord {
        guard record.status == .loading else { return record }
        file?.abort()
        file = nil
        record.status = .failed
        record.files = []
        record.errors.append(reason)
        record.updated = now
        record.completed = now
        try? Self.recordFailure(record, datasetFolder: datasetFolder, staging: staging)
        return record
    }

    /// Writes a failed batch's record to `_failed/` and removes its staging folder.
    static func recordFailure(_ record: BatchRecord, datasetFolder: URL, staging: URL) throws(DataLakeError) {
        let failed = datasetFolder.appendingPathComponent("_failed")
        try DurableFiles.makeDirectory(failed)
        try DurableFiles.write(record.document, to: failed.appendingPathComponent("\(record.id).json"))
        DurableFiles.remove(staging)
    }

    deinit {
        // A writer dropped without commit or abort leaves its staging folder for recovery (it may
        // be a process that is about to die); its open file descriptor is closed.
        file?.abort()
    }
}
