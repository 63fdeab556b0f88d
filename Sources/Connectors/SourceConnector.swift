// What a tabular source can do for Flow Service: check its credentials, list its tables, describe
// one, preview rows, and stream a table for a dataflow run. Each source kind implements this once.
public import DatabricksSQL
public import FlowModel

/// A tabular source reached with one base connection's credentials.
public protocol SourceConnector: Sendable {
    /// A deep check of the connection: credentials, cluster, database, listing tables. Never throws:
    /// a failure is the result, with its reason.
    func test() async -> ConnectionCheck

    /// One page of the connection's tables, in name order, after `after` (a table name).
    func tables(after: String?, limit: Int) async throws(ConnectorError) -> TablePage

    /// The columns of a table, for a run: waits for a starting cluster, no interactive deadline.
    func columns(of table: TablePath) async throws -> [SourceColumn]

    /// The columns of a table.
    func describe(_ table: TablePath) async throws(ConnectorError) -> [SourceColumn]

    /// At most `limit` rows of a table (described by `columns`), optionally filtered.
    func preview(_ table: TablePath, columns: [SourceColumn], filter: RowFilter?, limit: Int) async throws(ConnectorError) -> [[SQLValue]]

    /// Streams a table's rows to `body` as column batches of at most `batchSize` rows: the columns
    /// given (all when empty), in the delta window, filtered. Times are read in UTC. Waits for a
    /// starting cluster (runs may start it).
    func read<T: Sendable>(
        _ table: TablePath,
        columns: [SourceColumn],
        window: DeltaWindow?,
        filter: RowFilter?,
        batchSize: Int,
        _ body: sending (SourceRows) async throws -> T
    ) async throws -> T

    /// How many rows a delta window holds, and its earliest and latest delta values.
    func summarize(_ table: TablePath, window: DeltaWindow) async throws -> DeltaSummary
}

/// The outcome of ``SourceConnector/test()``.
public struct ConnectionCheck: Sendable, Hashable {
    /// Why it failed, or `nil` when every check passed.
    public var failure: ConnectorError?

    /// A check that failed with `failure`, or passed when it is `nil`.
    public init(failure: ConnectorError?) { self.failure = failure }

    /// Every check passed.
    public static let passed = ConnectionCheck(failure: nil)

    /// Whether every check passed.
    public var succeeded: Bool { failure == nil }

    /// The check as `GET /connections/{id}/test` answers it: `{"result": true}`, or `false` with
    /// the reason's code and message.
    public var document: JSONValue {
        guard let failure else { return ["result": true] }
        return ["result": false, "reason": ["code": .string(failure.reason.rawValue), "message": .string(failure.message)]]
    }
}

/// One page of tables.
public struct TablePage: Sendable, Hashable {
    /// The tables on this page, in name order.
    public var tables: [TablePath]
    /// Whether more tables follow the last one.
    public var hasMore: Bool

    /// Creates a page.
    public init(tables: [TablePath], hasMore: Bool) {
        self.tables = tables
        self.hasMore = hasMore
    }
}
