// `GET /openapi.yaml`: the hand-written OpenAPI 3 document of every route, served without auth.
import Foundation
import Hummingbird
import NIOCore

/// Serves the OpenAPI document.
struct OpenAPIRoutes {
    /// The document text, read from the module's resources.
    static let document: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return "openapi: 3.0.3\ninfo: {title: Tributary, version: unknown}\npaths: {}\n" }
        return text
    }()

    func register(on router: Router<FlowRequestContext>) {
        router.get("/openapi.yaml") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/yaml"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: Self.document))
            )
        }
    }
}
