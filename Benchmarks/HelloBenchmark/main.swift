// The peer of the API benchmark: a Hummingbird 2 hello-world answering a small JSON object on the
// same framework, server settings and machine, so Benchmarks/api/get.sh can say how close the
// service's hot path comes to the framework's floor.
// Usage: hello-benchmark <port>
import Hummingbird

let port = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 18081 : 18081
let router = Router()
router.get("/hello") { _, _ -> Response in
    Response(
        status: .ok,
        headers: [.contentType: "application/json"],
        body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#))
    )
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "Hello"))
try await app.runService()
