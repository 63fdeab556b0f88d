// Source calls as metrics: how long each kind of call takes (a run's read is one call, however long
// it streams) and the errors by the reason the connector gives (`authenticationFailed`, `timeout`, …).
// A source wrapped in ``MeteredSource`` behaves exactly as the source; only the metrics see it.
public import CoreMetrics
import DatabricksSQL
import Dispatch
import FlowModel

/// The metrics of source calls.
public struct SourceMetrics: Sendable {
    let factory: any MetricsFactory

    /// `tributary_source_call_duration_seconds{call}` and `tributary_source_errors_total{call, reason}`.
    public static let duration = "tributary_source_call_duration_seconds"
    public static let errors = "tributary_source_errors_total"

    /// Metrics made by `factory`.
    public init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func record(_ call: String, since started: UInt64, failure: ConnectorError.Reason?) {
        Timer(label: Self.duration, dimensions: [("call", call)], factory: factory).recordNanoseconds(
            Int64(DispatchTime.now().uptimeNanoseconds &- started)
        )
        if let failure {
            Counter(label: Self.errors, dimensions: [("call", call), ("reason", failure.rawValue)], factory: factory).increment()
        }
    }

    /// Runs `body`, timing it as `call` and counting its error, if any, by reason (a cancellation is
    /// not the source's error).
    func measure<T>(_ call: String, _ body: () async throws -> T) async throws -> T {
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            let value = try await body()
            record(call, since: started, failure: nil)
            return value
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            record(call, since: started, failure: (error as? ConnectorError)?.reason ?? ConnectorError.Reason(rawValue: "other"))
            throw error
        }
    }

    func measure<T>(_ call: String, _ body: () async throws(ConnectorError) -> T) async throws(ConnectorError) -> T {
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            let value = try await body()
            record(call, since: started, failure: nil)
            return value
        } catch {
            record(call, since: started, failure: error.reason)
            throw error
        }
    }
}

/// A source whose calls are measured.
struct MeteredSource: SourceConnector {
    let source: any SourceConnector
    let metrics: SourceMetrics

    func test() async -> ConnectionCheck {
        let started = DispatchTime.now().uptimeNanoseconds
        let check = await source.test()
        metrics.record("test", since: started, failure: check.failure?.reason)
        return check
    }

    func tables(after: String?, limit: Int) async throws(ConnectorError) -> TablePage {
        try await metrics.measure("tables") { () async throws(ConnectorError) in try await source.tables(after: after, limit: limit) }
    }

    func columns(of table: TablePath) async throws -> [SourceColumn] {
        try await metrics.measure("columns") { try await source.columns(of: table) }
    }

    func describe(_ table: TablePath) async throws(ConnectorError) -> [SourceColumn] {
        try await metrics.measure("describe") { () async throws(ConnectorError) in try await source.describe(table) }
    }

    func preview(_ table: TablePath, columns: [SourceColumn], filter: RowFilter?, limit: Int) async throws(ConnectorError) -> [[SQLValue]] {
        try await metrics.measure("preview") { () async throws(ConnectorError) in
            try await source.preview(table, columns: columns, filter: filter, limit: limit)
        }
    }

    func read<T: Sendable>(
        _ table: TablePath,
        columns: [SourceColumn],
        window: DeltaWindow?,
        filter: RowFilter?,
        batchSize: Int,
        _ body: sending (SourceRows) async throws -> T
    ) async throws -> T {
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            let value = try await source.read(table, columns: columns, window: window, filter: filter, batchSize: batchSize, body)
            metrics.record("read", since: started, failure: nil)
            return value
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // An error of the run's own (its writer) is not the source's: only connector errors count.
            metrics.record("read", since: started, failure: (error as? ConnectorError)?.reason)
            throw error
        }
    }

    func summarize(_ table: TablePath, window: DeltaWindow) async throws -> DeltaSummary {
        try await metrics.measure("summarize") { try await source.summarize(table, window: window) }
    }
}
