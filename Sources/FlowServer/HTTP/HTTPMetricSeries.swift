// Requests as metrics: a counter by route, method and status and a latency histogram by route and
// method. The route is the matched pattern (`/data/foundation/flowservice/connections/{id}`), never
// the path itself, so ids do not make a series each; unmatched paths count as `unmatched`. The
// metric objects are made once per series and kept. ErrorMiddleware, which already times every
// request and knows its final status, records them.
import CoreMetrics
import Synchronization

/// The request metrics of one service, by series.
final class HTTPMetricSeries: Sendable {
    static let requests = "tributary_http_requests_total"
    static let duration = "tributary_http_request_duration_seconds"

    private let factory: any MetricsFactory
    /// A series' counter and its route's timer, found with one lookup.
    private let series = Mutex<[Key: (Counter, CoreMetrics.Timer)]>([:])

    private struct Key: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func record(route: String, method: String, status: Int, nanoseconds elapsed: Int64) {
        let key = Key(route: route, method: method, status: status)
        let (counter, timer) = series.withLock { series in
            if let found = series[key] { return found }
            // The registry hands back the same timer for the route and method whatever the status.
            let made = (
                Counter(label: Self.requests, dimensions: [("route", route), ("method", method), ("status", String(status))], factory: factory),
                CoreMetrics.Timer(label: Self.duration, dimensions: [("route", route), ("method", method)], factory: factory)
            )
            series[key] = made
            return made
        }
        counter.increment()
        timer.recordNanoseconds(elapsed)
    }
}
