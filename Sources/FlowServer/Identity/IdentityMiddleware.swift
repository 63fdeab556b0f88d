// Checks the IMS-style identity of every Flow Service call: bearer token, API key, organization
// and sandbox headers, in the order Adobe's gateway checks them.
import FlowModel
import FlowStore
import Hummingbird
import Logging

/// Authenticates the caller and resolves the organization and sandbox the request acts in.
///
/// A request without `x-sandbox-name` acts in the organization's default sandbox (`prod`), as the
/// Flow Service OpenAPI document describes.
struct IdentityMiddleware: RouterMiddleware {
    typealias Context = FlowRequestContext
    let services: FlowServices

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let headers = request.headers
        guard let authorization = headers[.authorization], authorization.count > 7,
            authorization.prefix(7).lowercased() == "bearer "
        else { throw GatewayError.tokenMissing }
        let token = Self.trimmed(authorization.dropFirst(7))
        let identity = services.identity
        guard let claims = await identity.claims(token, verify: services.tokens.verify) else { throw GatewayError.tokenInvalid }
        guard let apiKey = headers[.init("x-api-key")!], !apiKey.isEmpty else { throw GatewayError.apiKeyMissing }
        guard apiKey == claims.clientId else { throw GatewayError.apiKeyInvalid }
        guard let client = try await identity.client(claims.clientId, in: services.storage), client.orgId == claims.orgId else {
            throw GatewayError.tokenInvalid
        }
        guard let orgId = headers[.init("x-gw-ims-org-id")!], !orgId.isEmpty else { throw GatewayError.orgHeaderMissing }
        guard orgId == claims.orgId else { throw FlowError.organizationNotAuthorized }
        let sandbox: Sandbox
        if let name = headers[.init("x-sandbox-name")!], !name.isEmpty {
            let lowered = name.lowercased()
            guard lowered.count <= 64, let found = try await identity.sandbox(orgId: orgId, name: lowered, in: services.storage) else {
                throw FlowError.sandboxNotFound(String(name.prefix(64)))
            }
            sandbox = found
        } else {
            guard let found = try await identity.sandbox(orgId: orgId, name: nil, in: services.storage) else {
                throw FlowError.sandboxNotFound(Sandbox.defaultName)
            }
            sandbox = found
        }
        var context = context
        context.caller = Caller(
            clientId: claims.clientId,
            scope: TenantScope(orgId: orgId, sandboxName: sandbox.name, sandboxId: sandbox.id)
        )
        context.logger[metadataKey: "org"] = .string(orgId)
        context.logger[metadataKey: "sandbox"] = .string(sandbox.name)
        services.lists.requests.note(orgId)
        return try await next(request, context)
    }

    /// `text` without the spaces and tabs around it (Foundation's trimming bridges through NSString).
    static func trimmed(_ text: Substring) -> String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = text.firstIndex(where: { !blank($0) }), let last = text.lastIndex(where: { !blank($0) }) else { return "" }
        return String(text[first...last])
    }
}
