// Requests as metrics: a counter by route, method and status and a latency histogram by route and
// method. The route is the matched pattern (`/data/foundation/flowservice/connections/{id}`), never
// the path itself, so ids do not make a series each; unmatched paths count as `unmatched`. The
// metric objects are made once per series and kept.
import CoreMetrics
import Dispatch
import Hummingbird
import Synchronization

struct HTTPMetricsMiddleware: RouterMiddleware {
    typealias Context = FlowRequestContext
    let series: HTTPMetricSeries

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = DispatchTime.now().uptimeNanoseconds
        let route = context.endpointPath ?? "unmatched"
        let status: Int
        do {
            let response = try await next(request, context)
            status = Int(response.status.code)
            series.record(route: route, method: request.method.rawValue, status: status, since: started)
            return response
        } catch let error as any HTTPResponseError {
            series.record(route: route, method: request.method.rawValue, status: Int(error.status.code), since: started)
            throw error
        } catch {
            series.record(route: route, method: request.method.rawValue, status: 500, since: started)
            throw error
        }
    }
}

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

    func record(route: String, method: String, status: Int, since started: UInt64) {
        let elapsed = Int64(DispatchTime.now().uptimeNanoseconds &- started)
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
