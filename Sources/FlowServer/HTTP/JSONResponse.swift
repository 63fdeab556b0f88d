// Building JSON responses and reading JSON request bodies within the service's limits.
import FlowModel
import Foundation
import Hummingbird
import NIOCore

/// JSON responses.
enum JSONResponse {
    /// A response with a JSON body.
    static func make(status: Int, body: JSONValue, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(
            status: HTTPResponse.Status(code: status),
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.jsonBytes()))
        )
    }

    /// `200` with a JSON body.
    static func ok(_ body: JSONValue) -> Response { make(status: 200, body: body) }

    /// `200` with `{"items":[document]}`, the document already encoded.
    static func items(encoded document: [UInt8]) -> Response {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(document.count + 12)
        buffer.writeString(#"{"items":["#)
        buffer.writeBytes(document)
        buffer.writeString("]}")
        return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: buffer))
    }
}

/// Reading request bodies.
enum RequestJSON {
    /// The body parsed as JSON. Requires a JSON content type, a non-empty body and at most
    /// `limit` bytes; answers each failure with a clear 4xx.
    static func read(_ request: Request, limit: Int, allowPatchType: Bool = false) async throws -> JSONValue {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        let accepted = mediaType == "application/json" || (allowPatchType && mediaType == "application/json-patch+json")
        guard accepted else {
            throw FlowError(
                code: "1406-400",
                title: "Invalid request",
                detailedMessage: "A valid content-type must be specified: send Content-Type: application/json."
            )
        }
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw FlowError.bodyTooLarge(limit: limit)
        }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch {
            throw FlowError.bodyTooLarge(limit: limit)
        }
        guard buffer.readableBytes > 0 else { throw FlowError.emptyBody }
        let json = try JSONValue(parsing: buffer.readableBytesView)
        // Every store keeps the same text: PostgreSQL cannot hold U+0000, so no store is given it.
        guard !json.containsNUL else { throw FlowError.invalidRequest("Strings must not contain the character U+0000 (NUL).") }
        return json
    }
}
