// The files of a CloudFetch result in row order: links asked for from the server by row offset as
// the reader goes, files downloaded and decoded in parallel (a bounded number and bytes at once),
// handed on strictly in order, each file's rows checked against its link. An expired link, or one
// storage refuses, is exchanged for a fresh one (FetchResults from the file's first row).
import Arrow
import AsyncHTTPClient
import Foundation

struct CloudFetchQueue {
    let session: SQLSession
    let operation: OperationHandle
    let columns: [ColumnDescriptor]
    let arrow: ArrowResults
    let options: CloudFetchOptions
    let batchSize: Int
    let client: HTTPClient

    /// Links known and not yet downloading, in row order.
    private var pending: [ResultLink] = []
    /// Files downloading or downloaded and not yet read, in row order.
    private var downloads: [(link: ResultLink, task: Task<[ResultBatch], any Error>)] = []
    /// The row after the last link known.
    private var knownEnd: Int64 = 0
    /// Whether the server has links past `knownEnd`.
    private var serverHasMore = true
    /// How often each file's link was exchanged, by its first row.
    private var refreshed: [Int64: Int] = [:]
    /// Pages in a row that brought no link while the server said it had more.
    private var emptyPages = 0

    init(
        session: SQLSession,
        operation: OperationHandle,
        columns: [ColumnDescriptor],
        arrow: ArrowResults,
        options: CloudFetchOptions,
        batchSize: Int
    ) {
        self.session = session
        self.operation = operation
        self.columns = columns
        self.arrow = arrow
        self.options = options
        self.batchSize = batchSize
        self.client = session.transport.client
    }

    /// Takes the links of a page (in any order) and whether the server said it has more.
    mutating func add(_ links: [ResultLink], serverHasMore more: Bool) throws(DatabricksSQLError) {
        emptyPages = links.isEmpty ? emptyPages + 1 : 0
        guard emptyPages <= 10 || !more else {
            throw DatabricksSQLError(.protocolViolation, "the server said more rows follow row \(knownEnd) but sent no link in 10 pages")
        }
        for link in links.sorted(by: { $0.startRowOffset < $1.startRowOffset }) where link.endRowOffset > knownEnd || link.rowCount == 0 {
            guard link.startRowOffset == knownEnd, link.rowCount >= 0 else {
                throw DatabricksSQLError(
                    .protocolViolation,
                    "the server sent a CloudFetch link for rows from \(link.startRowOffset) where rows from \(knownEnd) were expected"
                )
            }
            if link.rowCount > 0 { pending.append(link) }
            knownEnd = link.endRowOffset
        }
        serverHasMore = more
    }

    /// The batches of the next file, or nil at the end of the result.
    mutating func next() async throws(DatabricksSQLError) -> [ResultBatch]? {
        while true {
            if pending.count + downloads.count < options.maximumConcurrentDownloads, serverHasMore {
                let page = try await session.fetch(operation, maxRows: batchSize, startRowOffset: knownEnd)
                try add(page.results?.resultLinks ?? [], serverHasMore: page.hasMoreRows ?? false)
            }
            try await startDownloads()
            guard !downloads.isEmpty else {
                if serverHasMore { continue }
                return nil
            }
            let (link, task) = downloads.removeFirst()
            do {
                let batches = try await withTaskCancellationHandler {
                    try await task.value
                } onCancel: {
                    task.cancel()
                }
                return batches
            } catch CloudFetchDownload.Failure.expired {
                let fresh = try await refresh(link)
                downloads.insert((fresh, start(fresh)), at: 0)
            } catch CloudFetchDownload.Failure.failed(let error) {
                cancel()
                throw error
            } catch let error as DatabricksSQLError {
                cancel()
                throw error
            } catch {
                cancel()
                throw DatabricksSQLError(.cancelled, "reading the result was cancelled")
            }
        }
    }

    /// Stops every download.
    mutating func cancel() {
        for download in downloads { download.task.cancel() }
        downloads.removeAll()
        pending.removeAll()
        serverHasMore = false
    }

    /// Starts downloads while the limits allow: links close to expiry are exchanged first.
    private mutating func startDownloads() async throws(DatabricksSQLError) {
        while let link = pending.first, downloads.count < options.maximumConcurrentDownloads {
            let inFlight = downloads.reduce(Int64(0)) { $0 + max($1.link.bytesNum, 0) }
            guard downloads.isEmpty || inFlight + max(link.bytesNum, 0) <= options.maximumBytesInFlight else { return }
            if CloudFetchDownload.isExpiring(link, margin: options.expiryMargin) {
                pending[0] = try await refresh(link)
                continue
            }
            pending.removeFirst()
            downloads.append((link, start(link)))
        }
    }

    /// Downloads and decodes the file of `link` in a task of its own.
    private func start(_ link: ResultLink) -> Task<[ResultBatch], any Error> {
        let client = client
        let options = options
        let arrow = arrow
        let columns = columns
        return Task {
            let bytes = try await CloudFetchDownload.bytes(of: link, client: client, options: options)
            do {
                let batches = try arrow.fileBatches(bytes, columns: columns, startRowOffset: link.startRowOffset)
                let rows = batches.reduce(0) { $0 + $1.rowCount }
                guard rows == link.rowCount else {
                    throw DatabricksSQLError(
                        .protocolViolation,
                        "\(CloudFetchDownload.rows(link)) holds \(rows) rows where the server announced \(link.rowCount)"
                    )
                }
                return batches
            } catch let error as ArrowError {
                throw DatabricksSQLError(.protocolViolation, "\(CloudFetchDownload.rows(link)): \(error)")
            }
        }
    }

    /// A fresh link for `link`'s file, from the server (FetchResults from the file's first row); fresh
    /// links for the files after it replace theirs in line too.
    private mutating func refresh(_ link: ResultLink) async throws(DatabricksSQLError) -> ResultLink {
        let count = refreshed[link.startRowOffset, default: 0] + 1
        guard count <= options.refreshes else {
            cancel()
            throw DatabricksSQLError(
                .connection,
                "\(CloudFetchDownload.rows(link)) could not be downloaded: its link expired or was refused \(count) times"
            )
        }
        refreshed[link.startRowOffset] = count
        let page = try await session.fetch(operation, maxRows: batchSize, startRowOffset: link.startRowOffset)
        var fresh: [Int64: ResultLink] = [:]
        for candidate in page.results?.resultLinks ?? [] { fresh[candidate.startRowOffset] = candidate }
        guard let replacement = fresh[link.startRowOffset], replacement.rowCount == link.rowCount else {
            cancel()
            throw DatabricksSQLError(.protocolViolation, "the server gave no fresh link for \(CloudFetchDownload.rows(link))")
        }
        for index in pending.indices {
            if let newer = fresh[pending[index].startRowOffset], newer.rowCount == pending[index].rowCount { pending[index] = newer }
        }
        return replacement
    }
}
