// A Spark Connect ArrowBatch response: an Arrow IPC stream (its schema, then record batches) and
// the row count the server announces for it.
import Arrow
import DatabricksSQL
import SparkConnectProtocol

enum ArrowBatches {
    /// The rows of one response as result batches, the first at `startRowOffset`; the rows read
    /// must be the rows announced.
    static func resultBatches(
        _ arrow: Spark_Connect_ExecutePlanResponse.ArrowBatch,
        startRowOffset: Int64
    ) throws(DatabricksSQLError) -> [ResultBatch] {
        var reader = ArrowStreamReader()
        let records: [ArrowRecordBatch]
        do {
            records = try reader.read(Array(arrow.data))
        } catch {
            throw DatabricksSQLError(.protocolViolation, "an Arrow batch of the result cannot be read: \(error)")
        }
        guard let schema = reader.schema else { throw DatabricksSQLError(.protocolViolation, "an Arrow batch of the result holds no schema") }
        let columns = schema.fields.enumerated().map { index, field in
            ColumnDescriptor(name: field.name, type: SparkTypes.sqlType(field), position: index + 1)
        }
        var offset = startRowOffset
        var batches: [ResultBatch] = []
        for record in records where record.length > 0 {
            guard record.columns.count == columns.count else {
                throw DatabricksSQLError(.protocolViolation, "an Arrow batch of \(record.columns.count) columns for a schema of \(columns.count)")
            }
            batches.append(
                ResultBatch(
                    schema: columns,
                    columns: record.columns.map { ColumnValues(storage: .arrow($0), nulls: NullBitmap(bytes: [])) },
                    startRowOffset: offset
                )
            )
            offset += Int64(record.length)
        }
        guard offset - startRowOffset == arrow.rowCount else {
            throw DatabricksSQLError(
                .protocolViolation,
                "an Arrow batch of \(offset - startRowOffset) rows where the server announced \(arrow.rowCount)"
            )
        }
        return batches
    }
}
