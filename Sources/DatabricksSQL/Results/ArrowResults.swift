// Results in Arrow, as Databricks answers a client that can read them (`canReadArrowResult`): the
// result metadata carries the Arrow schema as an IPC Schema message, and each row set a list of
// record batch messages, each an LZ4 frame when the metadata says `lz4Compressed`.
import Arrow

/// Reads the Arrow batches of a result set.
struct ArrowResults: Sendable {
    /// The Arrow schema of the results.
    let schema: ArrowSchema
    let lz4Compressed: Bool

    /// A reader for batches described by `schema` (the metadata's `arrowSchema`).
    init(schema bytes: [UInt8], lz4Compressed: Bool) throws(ArrowError) {
        var reader = ArrowStreamReader()
        _ = try reader.read(bytes)
        guard let schema = reader.schema else { throw .malformed("the result's Arrow schema holds no Schema message") }
        for field in schema.fields {
            switch field.type {
            case .time, .duration, .interval, .list, .largeList, .fixedSizeList, .struct, .map:
                throw .unsupported("the result column '\(field.name)' in Arrow's \(field.type) (ask for nested values and intervals as text)")
            default: continue
            }
        }
        self.schema = schema
        self.lz4Compressed = lz4Compressed
    }

    /// The batches of one row set as result batches of `columns` (the Thrift schema of the result).
    func resultBatches(_ sent: [ArrowBatchBytes], columns: [ColumnDescriptor], startRowOffset: Int64) throws(ArrowError) -> [ResultBatch] {
        var offset = startRowOffset
        var results: [ResultBatch] = []
        for batch in try batches(sent) {
            guard batch.columns.count == columns.count else {
                throw .malformed("an Arrow batch of \(batch.columns.count) columns for a result of \(columns.count)")
            }
            results.append(
                ResultBatch(schema: columns, columns: batch.columns.map { ColumnValues(storage: .arrow($0), nulls: NullBitmap(bytes: [])) }, startRowOffset: offset))
            offset += Int64(batch.length)
        }
        return results
    }

    /// The record batches of one row set, each checked against the row count the server announced.
    func batches(_ sent: [ArrowBatchBytes]) throws(ArrowError) -> [ArrowRecordBatch] {
        var reader = ArrowStreamReader(schema: schema)
        var batches: [ArrowRecordBatch] = []
        for batch in sent {
            let bytes = lz4Compressed ? try LZ4Frame.decompress(batch.batch) : batch.batch
            let read = try reader.read(bytes)
            let rows = read.reduce(0) { $0 + $1.length }
            guard rows == batch.rowCount else { throw .malformed("an Arrow batch of \(rows) rows where the server announced \(batch.rowCount)") }
            batches += read
        }
        return batches
    }
}
