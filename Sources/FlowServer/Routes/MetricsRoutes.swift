// `GET /metrics`: the service's metrics in Prometheus' text format (docs/metrics.md lists them),
// open by default like the health probes, or behind a bearer token of its own
// (`TRIBUTARY_METRICS_TOKEN`) — never an API client's token, and no label carries a secret.
import Crypto
import FlowModel
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Prometheus

struct MetricsRoutes {
    let services: FlowServices

    func register(on router: Router<FlowRequestContext>) {
        router.get("/metrics") { request, _ in try metrics(request) }
    }

    func metrics(_ request: Request) throws -> Response {
        if let token = services.configuration.metricsToken {
            let given = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil } ?? ""
            // Compared by their digests: as long whatever the guess.
            guard SHA256.hash(data: Data(given.utf8)) == SHA256.hash(data: Data(token.utf8)) else {
                return JSONResponse.make(
                    status: 401,
                    body: [
                        "error_code": "401013", "message": "GET /metrics needs the metrics token: Authorization: Bearer <TRIBUTARY_METRICS_TOKEN>",
                    ],
                    headers: [.wwwAuthenticate: "Bearer"]
                )
            }
        }
        let text = services.metricsRegistry.emitToBuffer()
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: text))
        )
    }
}
