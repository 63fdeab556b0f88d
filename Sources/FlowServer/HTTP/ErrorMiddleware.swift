// The outermost middleware: gives every request an id, logs it (and counts and times it, when
// metrics are on), and turns every error into a response in the right format (Flow errors, gateway
// errors), never leaking internals.
import FlowModel
import FlowStore
import Foundation
import Hummingbird
import Logging

/// Assigns request ids, logs requests and renders errors.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = FlowRequestContext
    /// The routed paths and their methods.
    let routes: RouteTable
    /// Where requests are counted and timed (none: metrics are off).
    let metrics: HTTPMetricSeries?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.requestId = RequestIdentifier.choose(supplied: request.headers[RequestIdentifier.field])
        context.logger[metadataKey: "request-id"] = .string(context.requestId)
        // The matched route, known before the handler runs (an unmatched path has none yet; the router
        // names it only while answering 404).
        let route = context.endpointPath ?? "unmatched"
        let started = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = render(error, request: request, context: context)
        }
        response.headers[RequestIdentifier.field] = context.requestId
        let elapsed = ContinuousClock.now - started
        metrics?.record(
            route: route,
            method: request.method.rawValue,
            status: Int(response.status.code),
            nanoseconds: elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        )
        context.logger.info(
            "\(request.method) \(request.uri.path) \(response.status.code)",
            metadata: ["duration-ms": .stringConvertible(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)]
        )
        return response
    }

    func render(_ error: any Error, request: Request, context: Context) -> Response {
        switch error {
        case let error as FlowError:
            return Self.flowResponse(error, requestId: context.requestId)
        case let error as FlowStoreError:
            return storeResponse(error, context: context)
        case let error as GatewayError:
            return JSONResponse.make(
                status: error.status,
                body: ["error_code": .string(error.code), "message": .string(error.message)]
            )
        case let error as HTTPError:
            let flowError: FlowError
            switch error.status {
            case .notFound, .methodNotAllowed:
                // The router answers a known path asked with another method as not found.
                let allowed = routes.methods(for: request.uri.path)
                guard allowed.isEmpty else { return Self.methodNotAllowed(request, allowed: allowed, requestId: context.requestId) }
                flowError = FlowError(
                    code: "1101-404",
                    title: "Resource not found",
                    detailedMessage: "No route matches \(request.method) \(request.uri.path.prefix(200)). See /openapi.yaml for the API."
                )
            case .contentTooLarge:
                flowError = FlowError.bodyTooLarge(limit: context.maxUploadSize)
            default:
                if (400..<500).contains(error.status.code) {
                    flowError = FlowError(
                        code: "1100-\(error.status.code)",
                        title: "Invalid request",
                        detailedMessage: error.body ?? error.status.reasonPhrase
                    )
                } else {
                    context.logger.error("Request failed", metadata: ["error": .string(String(describing: error))])
                    flowError = .internalError
                }
            }
            return Self.flowResponse(flowError, requestId: context.requestId)
        default:
            context.logger.error("Request failed", metadata: ["error": .string(String(describing: type(of: error)) + ": \(error)")])
            return Self.flowResponse(.internalError, requestId: context.requestId)
        }
    }

    /// A store failure that reached no route's own handling: the database unavailable is `503` with
    /// `Retry-After`, text it cannot hold and a position that does not fit a list are the client's
    /// `400`; anything else is an internal error.
    func storeResponse(_ error: FlowStoreError, context: Context) -> Response {
        switch error.code {
        case .unavailable:
            context.logger.warning("The database is not available", metadata: ["error": .string(error.message)])
            let unavailable = FlowError(
                code: "1103-503",
                title: "Service unavailable",
                detailedMessage: "The service's database is not available at the moment; try again shortly."
            )
            var response = Self.flowResponse(unavailable, requestId: context.requestId)
            response.headers[.retryAfter] = "5"
            return response
        case .unstorableText:
            return Self.flowResponse(.invalidRequest("Text must not contain the character U+0000 (NUL)."), requestId: context.requestId)
        case .invalidPosition:
            return Self.flowResponse(
                .invalidQueryValue("continuationToken", reason: "the token is not one this service issued"),
                requestId: context.requestId
            )
        default:
            context.logger.error("Request failed", metadata: ["error": .string("\(error)")])
            return Self.flowResponse(.internalError, requestId: context.requestId)
        }
    }

    /// `1102-405` for a routed path asked with a method it does not take, with `Allow`.
    static func methodNotAllowed(_ request: Request, allowed: [String], requestId: String) -> Response {
        let methods = allowed.joined(separator: ", ")
        let error = FlowError(
            code: "1102-405",
            title: "Method not allowed",
            detailedMessage: "\(request.method) is not supported on \(request.uri.path.prefix(200)); it takes \(methods)."
        )
        var response = flowResponse(error, requestId: requestId)
        response.headers[.allow] = methods
        return response
    }

    /// A response with Adobe's Flow error body.
    static func flowResponse(_ error: FlowError, requestId: String) -> Response {
        JSONResponse.make(status: error.status, body: flowBody(error, requestId: requestId))
    }

    /// Adobe's Flow error body.
    static func flowBody(_ error: FlowError, requestId: String) -> JSONValue {
        var report: [String: JSONValue] = ["detailed-message": .string(error.detailedMessage), "request-id": .string(requestId)]
        for (key, value) in error.report { report[key] = .string(value) }
        return [
            "type": .string("https://ns.adobe.com/aep/errors/FLOW-\(error.code)"),
            "title": .string(error.title),
            "status": .integer(Int64(error.status)),
            "report": .object(report),
            "errorMessage": .string(error.detailedMessage),
            "errorDetails": .string(error.detailedMessage),
        ]
    }
}
