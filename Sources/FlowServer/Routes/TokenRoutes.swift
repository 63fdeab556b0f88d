// `POST /ims/token/v3`: the client-credentials grant, form-encoded as IMS takes it.
import FlowModel
import Foundation
import Hummingbird
import Logging

/// The token endpoint.
struct TokenRoutes {
    let services: FlowServices

    func register(on router: Router<FlowRequestContext>) {
        router.post("/ims/token/v3") { request, context in try await issue(request, context) }
    }

    func issue(_ request: Request, _ context: FlowRequestContext) async throws -> Response {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: 16 * 1024)
        } catch {
            return Self.error(400, "invalid_request", "The request body is larger than 16 KiB.")
        }
        var fields: [String: String] = [:]
        for (name, value) in request.uri.queryParameters { fields[String(name)] = String(value) }
        for (name, value) in Self.formFields(String(buffer: buffer)) { fields[name] = value }
        guard fields["grant_type"] == "client_credentials" else {
            return Self.error(400, "unsupported_grant_type", "grant_type must be client_credentials.")
        }
        guard let clientId = fields["client_id"], let secret = fields["client_secret"], !clientId.isEmpty, !secret.isEmpty else {
            return Self.error(400, "invalid_request", "client_id and client_secret are required.")
        }
        guard let client = try await services.tenancy.authenticate(clientId: clientId, secret: secret) else {
            context.logger.notice("Token refused: unknown client or wrong secret")
            return Self.error(401, "invalid_client", "invalid client_id or client_secret.")
        }
        let token = try await services.tokens.issue(clientId: client.clientId, orgId: client.orgId)
        return JSONResponse.ok([
            "access_token": .string(token), "token_type": "bearer",
            "expires_in": .integer(Int64(services.tokens.lifetimeSeconds)),
        ])
    }

    static func error(_ status: Int, _ code: String, _ description: String) -> Response {
        JSONResponse.make(status: status, body: ["error": .string(code), "error_description": .string(description)])
    }

    /// Decodes `application/x-www-form-urlencoded` text.
    static func formFields(_ text: String) -> [(String, String)] {
        text.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]) else { return nil }
            return (name, parts.count > 1 ? decode(parts[1]) ?? "" : "")
        }
    }

    static func decode(_ part: Substring) -> String? {
        part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
