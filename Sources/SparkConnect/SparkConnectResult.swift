// A statement's result over Spark Connect, as the batches of rows the Thrift driver also yields.
import AsyncAlgorithms
import DatabricksSQL

/// The rows of a statement, batch by batch, as the server streams them (each an Arrow record batch
/// of at most `spark.sql.execution.arrow.maxRecordsPerBatch` rows and about 4 MiB).
public struct SparkConnectResult: AsyncSequence, Sendable {
    public typealias Element = ResultBatch
    let execution: ReattachableExecution

    /// The id of the statement's operation on the server.
    public var operationId: String { execution.operation }

    public func makeAsyncIterator() -> Iterator { Iterator(base: execution.batches.makeAsyncIterator()) }

    /// Reads the batches in order.
    public struct Iterator: AsyncIteratorProtocol {
        var base: AsyncThrowingChannel<ResultBatch, any Error>.Iterator

        public mutating func next() async throws(DatabricksSQLError) -> ResultBatch? {
            do {
                return try await base.next()
            } catch let error as DatabricksSQLError {
                throw error
            } catch {
                throw DatabricksSQLError(.cancelled, "reading the result was cancelled")
            }
        }
    }
}
