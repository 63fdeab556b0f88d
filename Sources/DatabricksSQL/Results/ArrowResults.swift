// Results in Arrow, as Databricks answers a client that can read them (`canReadArrowResult`): the
// result metadata carries the Arrow schema as an IPC Schema message, and each row set a list of
// record batch messages, each an LZ4 frame when the metadata says `lz4Compressed` — or, for a large
// result (CloudFetch), links to files that each hold an IPC stream of their own.
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
        try Self.check(schema)
        self.schema = schema
        self.lz4Compressed = lz4Compressed
    }

    /// Refuses what was asked for as text: nested values, intervals, times.
    static func check(_ schema: ArrowSchema) throws(ArrowError) {
        for field in schema.fields {
            switch field.type {
            case .time, .duration, .interval, .list, .largeList, .fixedSizeList, .struct, .map:
                throw .unsupported("the result column '\(field.name)' in Arrow's \(field.type) (ask for nested values and intervals as text)")
            default: continue
            }
        }
    }

    /// The batches of one CloudFetch result file: an Arrow IPC stream of its own (schema and
    /// record batches; one LZ4 frame when the metadata says `lz4Compressed`).
    func fileBatches(_ file: [UInt8], columns: [ColumnDescriptor], startRowOffset: Int64) throws(ArrowError) -> [ResultBatch] {
        let bytes = lz4Compressed ? try LZ4Frame.decompress(file) : file
        var reader = ArrowStreamReader()
        let batches = try reader.read(bytes)
        guard let fileSchema = reader.schema else { throw .malformed("the result file holds no Schema message") }
        try Self.check(fileSchema)
        return try resultBatches(batches, columns: columns, startRowOffset: startRowOffset)
    }

    /// The batches of one row set as result batches of `columns` (the Thrift schema of the result).
    func resultBatches(_ sent: [ArrowBatchBytes], columns: [ColumnDescriptor], startRowOffset: Int64) throws(ArrowError) -> [ResultBatch] {
        try resultBatches(try batches(sent), columns: columns, startRowOffset: startRowOffset)
    }

    private func resultBatches(_ batches: [ArrowRecordBatch], columns: [ColumnDescriptor], startRowOffset: Int64) throws(ArrowError) -> [ResultBatch]
    {
        var offset = startRowOffset
        var results: [ResultBatch] = []
        for batch in batches {
            guard batch.columns.count == columns.count else {
                throw .malformed("an Arrow batch of \(batch.columns.count) columns for a result of \(columns.count)")
            }
            results.append(
                ResultBatch(
                    schema: columns,
                    columns: batch.columns.map { ColumnValues(storage: .arrow($0), nulls: NullBitmap(bytes: [])) },
                    startRowOffset: offset
                )
            )
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
