// A statement's result over Spark Connect, as the batches of rows the Thrift driver also yields.
import AsyncAlgorithms
import DatabricksSQL
import Synchronization

/// The rows of a statement, batch by batch, as the server streams them (each an Arrow record batch
/// of at most `spark.sql.execution.arrow.maxRecordsPerBatch` rows and about 4 MiB).
public struct SparkConnectResult: AsyncSequence, Sendable {
    public typealias Element = ResultBatch
    let execution: ReattachableExecution

    /// The id of the statement's operation on the server.
    public var operationId: String { execution.operation }

    /// The result streams opened so far: 1, and one more for every resume (`ReattachExecute`).
    public var streamCount: Int { execution.progress.withLock { $0.streams } }

    public func makeAsyncIterator() -> Iterator { Iterator(execution: execution, base: execution.batches.makeAsyncIterator()) }

    /// Reads the batches in order.
    public struct Iterator: AsyncIteratorProtocol {
        let execution: ReattachableExecution
        var base: AsyncThrowingChannel<ResultBatch, any Error>.Iterator

        public mutating func next() async throws(DatabricksSQLError) -> ResultBatch? {
            let batch: ResultBatch?
            do {
                batch = try await base.next()
            } catch let error as DatabricksSQLError {
                throw error
            } catch {
                throw DatabricksSQLError(.cancelled, "reading the result was cancelled")
            }
            // The channel also ends when the reading task is cancelled: that is not the result's end.
            if batch == nil, !execution.progress.withLock({ $0.complete }) {
                throw DatabricksSQLError(.cancelled, "reading the result was cancelled")
            }
            return batch
        }
    }
}
