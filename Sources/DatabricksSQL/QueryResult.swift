// A statement's result as an asynchronous stream of bounded batches. The operation is closed on the
// server when the stream ends or `close()` is called.

/// The rows of a statement, fetched one batch at a time as they are read.
public struct QueryResult: AsyncSequence, Sendable {
    public typealias Element = ResultBatch

    let session: SQLSession
    let operation: OperationHandle
    /// The result's columns (empty for statements without a result set).
    public let schema: [ColumnDescriptor]
    /// Whether the statement produced rows.
    public let hasResultSet: Bool
    let firstPage: FetchResultsResponse?
    let closedByServer: Bool
    let batchSize: Int
    /// Rows changed by DML, when the server reports it.
    public let modifiedRowCount: Int64?
    /// How the rows arrive.
    let encoding: ResultEncoding

    /// Reads every batch and returns all rows (for small results: previews, metadata).
    public func rows(limit: Int = .max) async throws(DatabricksSQLError) -> [[SQLValue]] {
        var rows: [[SQLValue]] = []
        var iterator = makeAsyncIterator()
        while let batch = try await iterator.next() {
            for index in 0..<batch.rowCount where rows.count < limit { rows.append(batch.row(index)) }
            if rows.count >= limit {
                await iterator.finish()
                break
            }
        }
        return rows
    }

    /// Closes the operation without reading further.
    public func close() async {
        if !closedByServer { await session.close(operation) }
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(result: self, pending: firstPage, finished: !hasResultSet)
    }

    /// Fetches batches on demand, with the next page requested while the caller works on the
    /// current one (at most two pages are held: memory stays bounded by the batch size).
    public struct Iterator: AsyncIteratorProtocol {
        let result: QueryResult
        var pending: FetchResultsResponse?
        var finished: Bool
        var closed = false
        var prefetch: Task<FetchResultsResponse, any Error>?
        /// Batches of a page already read (an Arrow page or a result file may hold several).
        var ready: [ResultBatch] = []
        /// The result files of a CloudFetch result.
        var files: CloudFetchQueue?

        public mutating func next() async throws(DatabricksSQLError) -> ResultBatch? {
            if !ready.isEmpty { return ready.removeFirst() }
            if case .cloudFetch(let arrow, let options) = result.encoding, !finished { return try await nextFile(arrow, options) }
            while !finished {
                let page: FetchResultsResponse
                do {
                    page = try await nextPage()
                } catch {
                    await stop(after: error)
                    throw error
                }
                let rows = page.results
                var batches: [ResultBatch] = []
                if let rows, !rows.resultLinks.isEmpty || (!rows.arrowBatches.isEmpty && result.encoding.arrow == nil) {
                    await finish()
                    throw DatabricksSQLError(.protocolViolation, "the server sent CloudFetch links, or Arrow batches for a result in columns")
                }
                if let rows, !rows.arrowBatches.isEmpty, let arrow = result.encoding.arrow {
                    do {
                        batches = try arrow.resultBatches(rows.arrowBatches, columns: result.schema, startRowOffset: rows.startRowOffset)
                    } catch {
                        await finish()
                        throw DatabricksSQLError(.protocolViolation, "an Arrow batch of the result: \(error)")
                    }
                } else if let rows, rows.rowCount > 0 {
                    batches = [ResultBatch(schema: result.schema, columns: rows.columns, startRowOffset: rows.startRowOffset)]
                }
                let count = batches.reduce(0) { $0 + $1.rowCount }
                // Databricks (protocol ≥ SPARK V1): hasMoreRows == false means done. OSS Spark always
                // says false, so there an empty page is the end marker.
                let serverSaysMore = page.hasMoreRows ?? false
                if count == 0 || (!serverSaysMore && result.session.trustsHasMoreRows) {
                    finished = true
                }
                if count > 0 {
                    if finished {
                        await finish()
                    } else {
                        startPrefetch()
                    }
                    ready = batches.filter { $0.rowCount > 0 }
                    return ready.removeFirst()
                }
            }
            await finish()
            return nil
        }

        /// The next batch of a CloudFetch result: files downloaded ahead, read in row order.
        private mutating func nextFile(_ arrow: ArrowResults, _ options: CloudFetchOptions) async throws(DatabricksSQLError) -> ResultBatch? {
            do {
                if files == nil {
                    var queue = CloudFetchQueue(
                        session: result.session,
                        operation: result.operation,
                        columns: result.schema,
                        arrow: arrow,
                        options: options,
                        batchSize: result.batchSize
                    )
                    if let page = pending {
                        pending = nil
                        try queue.add(page.results?.resultLinks ?? [], serverHasMore: page.hasMoreRows ?? true)
                    }
                    files = queue
                }
                while let batches = try await files?.next() {
                    ready = batches.filter { $0.rowCount > 0 }
                    if !ready.isEmpty { return ready.removeFirst() }
                }
            } catch {
                await stop(after: error)
                throw error
            }
            files = nil
            await finish()
            return nil
        }

        private mutating func startPrefetch() {
            let session = result.session
            let operation = result.operation
            let size = result.batchSize
            prefetch = Task { try await session.fetch(operation, maxRows: size) }
        }

        private mutating func nextPage() async throws(DatabricksSQLError) -> FetchResultsResponse {
            if let pending {
                self.pending = nil
                return pending
            }
            guard let task = prefetch else {
                return try await result.session.fetch(result.operation, maxRows: result.batchSize)
            }
            prefetch = nil
            do {
                return try await withTaskCancellationHandler {
                    try await task.value
                } onCancel: {
                    task.cancel()
                }
            } catch let error as DatabricksSQLError {
                throw error
            } catch {
                throw DatabricksSQLError(.cancelled, "fetching was cancelled")
            }
        }

        /// Stops reading after `error`: a cancelled or timed-out read cancels the statement on the
        /// server, any other failure closes it.
        private mutating func stop(after error: DatabricksSQLError) async {
            if error.code == .cancelled || error.code == .timeout {
                finished = true
                closed = true
                files?.cancel()
                files = nil
                await result.session.cancel(result.operation)
            } else {
                await finish()
            }
        }

        /// Stops reading and closes the operation.
        mutating func finish() async {
            finished = true
            files?.cancel()
            files = nil
            if let prefetch {
                prefetch.cancel()
                _ = try? await prefetch.value
                self.prefetch = nil
            }
            guard !closed else { return }
            closed = true
            await result.close()
        }
    }
}

/// How a result's rows arrive.
enum ResultEncoding: Sendable {
    /// `COLUMN_BASED_SET`: Thrift columns.
    case columns
    /// `ARROW_BASED_SET`: Arrow batches inline.
    case arrow(ArrowResults)
    /// `URL_BASED_SET`: links to result files of Arrow batches (CloudFetch).
    case cloudFetch(ArrowResults, CloudFetchOptions)

    /// The reader of inline Arrow batches.
    var arrow: ArrowResults? {
        if case .arrow(let arrow) = self { return arrow }
        return nil
    }
}
