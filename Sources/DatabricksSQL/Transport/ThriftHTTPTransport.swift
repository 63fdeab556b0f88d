// One Thrift message per HTTP POST, as Databricks and Spark's ThriftHttpCLIService take them, with
// the official drivers' error reading and retry rules.
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Retry and timeout rules for HTTP round trips.
public struct RetryPolicy: Sendable {
    /// How long one HTTP request may take.
    public var requestTimeout: Duration = .seconds(120)
    /// How long to keep retrying 429/503 (a starting cluster answers 503): long for runs, zero for
    /// interactive browsing.
    public var unavailableDeadline: Duration = .seconds(900)
    /// The first backoff when the server gives no `Retry-After`.
    public var initialBackoff: Duration = .seconds(1)
    /// The longest single wait.
    public var maximumBackoff: Duration = .seconds(60)
    /// How many times an idempotent call is retried after a connection failure (refused, reset,
    /// or no connection within the connect timeout). A request the server accepted but did not
    /// answer within ``requestTimeout`` is not sent again: it would wait as long again.
    public var connectionRetries = 3

    /// The defaults: 120 s per request, 15 minutes of cluster start-up.
    public init() {}

    /// Fail at once when the cluster is not ready (interactive browsing).
    public static var interactive: RetryPolicy {
        var policy = RetryPolicy()
        policy.unavailableDeadline = .zero
        policy.requestTimeout = .seconds(60)
        policy.connectionRetries = 1
        return policy
    }
}

/// Sends Thrift messages to an endpoint.
struct ThriftHTTPTransport: Sendable {
    let endpoint: SQLEndpoint
    let client: HTTPClient
    let policy: RetryPolicy
    let logger: Logger
    /// The largest reply accepted.
    var maximumResponseBytes = 512 << 20

    /// POSTs `body` and returns the reply body. Retries 429/503 (honouring `Retry-After`) until the
    /// policy's deadline; retries connection failures only when `idempotent`; never retries a
    /// request that went unanswered for the policy's request timeout.
    func roundTrip(_ body: [UInt8], method: String, idempotent: Bool) async throws(DatabricksSQLError) -> [UInt8] {
        let clock = ContinuousClock()
        let unavailableUntil = clock.now.advanced(by: policy.unavailableDeadline)
        var backoff = policy.initialBackoff
        var connectionFailures = 0
        while true {
            do {
                try Task.checkCancellation()
            } catch {
                throw DatabricksSQLError(.cancelled, "\(method) was cancelled")
            }
            let outcome = await attempt(body, method: method)
            switch outcome {
            case .reply(let bytes):
                return bytes
            case .failure(let error, let retryAfter):
                let retryable = error.httpStatus == 429 || error.httpStatus == 503
                if error.code == .connection {
                    connectionFailures += 1
                    guard idempotent, connectionFailures <= policy.connectionRetries else { throw error }
                    logger.debug("Retrying after a connection failure", metadata: ["method": .string(method)])
                } else if retryable {
                    let wait = min(retryAfter ?? backoff, policy.maximumBackoff)
                    guard clock.now.advanced(by: wait) < unavailableUntil else {
                        if error.httpStatus == 503 {
                            throw DatabricksSQLError(
                                .clusterNotReady,
                                "the cluster is not ready: \(error.message)",
                                httpStatus: error.httpStatus
                            )
                        }
                        throw error
                    }
                    logger.info(
                        "Server unavailable; retrying",
                        metadata: ["method": .string(method), "status": .stringConvertible(error.httpStatus ?? 0)]
                    )
                    do {
                        try await Task.sleep(for: wait)
                    } catch {
                        throw DatabricksSQLError(.cancelled, "\(method) was cancelled while waiting for the cluster")
                    }
                    backoff = min(backoff * 2, policy.maximumBackoff)
                    continue
                } else {
                    throw error
                }
                do {
                    try await Task.sleep(for: min(backoff, .seconds(2)))
                } catch {
                    throw DatabricksSQLError(.cancelled, "\(method) was cancelled")
                }
                backoff = min(backoff * 2, policy.maximumBackoff)
            }
        }
    }

    /// A REST GET with the endpoint's credentials (the Clusters API): status, headers, body.
    func get(_ url: String) async throws(DatabricksSQLError) -> (status: Int, headers: [(String, String)], body: [UInt8]) {
        try await rest(url, method: .GET, json: nil)
    }

    /// A call of a workspace REST API (Clusters API) with the endpoint's credentials.
    func rest(
        _ url: String,
        method: HTTPMethod,
        json: [UInt8]?
    ) async throws(DatabricksSQLError) -> (status: Int, headers: [(String, String)], body: [UInt8]) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(json)
        }
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Tributary-DatabricksSQL/0.1")
        request.headers.add(name: "Authorization", value: endpoint.authorization)
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            var buffer = try await response.body.collect(upTo: 4 << 20)
            let body = buffer.readBytes(length: buffer.readableBytes) ?? []
            return (Int(response.status.code), response.headers.map { ($0.name.lowercased(), $0.value) }, body)
        } catch let error where error is CancellationError || (error as? HTTPClientError) == .cancelled || Task.isCancelled {
            throw DatabricksSQLError(.cancelled, "the Clusters API call was cancelled")
        } catch {
            throw DatabricksSQLError(.connection, "cannot reach \(endpoint.url.host ?? "the workspace"): \(Self.describe(error))")
        }
    }

    enum Outcome {
        case reply([UInt8])
        case failure(DatabricksSQLError, retryAfter: Duration?)
    }

    func attempt(_ body: [UInt8], method: String) async -> Outcome {
        var request = HTTPClientRequest(url: endpoint.url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-thrift")
        request.headers.add(name: "Accept", value: "application/x-thrift")
        request.headers.add(name: "User-Agent", value: "Tributary-DatabricksSQL/0.1")
        request.headers.add(name: "Authorization", value: endpoint.authorization)
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(Int64(policy.requestTimeout.components.seconds) * 1_000_000_000))
            var buffer = try await response.body.collect(upTo: maximumResponseBytes)
            let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            if response.status == .ok { return .reply(bytes) }
            let headers = response.headers.map { ($0.name.lowercased(), $0.value) }
            return .failure(
                Self.classify(status: Int(response.status.code), headers: headers, body: bytes),
                retryAfter: Self.retryAfter(headers)
            )
        } catch let error as HTTPClientError where error == .connectTimeout {
            return .failure(
                DatabricksSQLError(.connection, "cannot reach \(endpoint.url.host ?? "the server"): no connection within the connect timeout"),
                retryAfter: nil
            )
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            return .failure(DatabricksSQLError(.timeout, "\(method) got no answer within \(policy.requestTimeout)"), retryAfter: nil)
        } catch let error where error is CancellationError || (error as? HTTPClientError) == .cancelled || Task.isCancelled {
            return .failure(DatabricksSQLError(.cancelled, "\(method) was cancelled"), retryAfter: nil)
        } catch let error as NIOTooManyBytesError {
            _ = error
            return .failure(
                DatabricksSQLError(.protocolViolation, "the reply to \(method) is larger than \(maximumResponseBytes) bytes"),
                retryAfter: nil
            )
        } catch {
            return .failure(
                DatabricksSQLError(.connection, "cannot reach \(endpoint.url.host ?? "the server"): \(Self.describe(error))"),
                retryAfter: nil
            )
        }
    }

    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }

    /// Seconds from a `Retry-After` header (delta-seconds form), capped at an hour.
    static func retryAfter(_ headers: [(String, String)]) -> Duration? {
        guard let value = headers.first(where: { $0.0 == "retry-after" })?.1, let seconds = Int(value.trimmingCharacters(in: .whitespaces)),
            seconds >= 0
        else { return nil }
        return .seconds(min(seconds, 3600))
    }

    /// Turns a non-200 answer into an error with the server's own words, as the official drivers do
    /// (`x-databricks-reason-phrase`, `x-thriftserver-error-message`, a JSON `message`, or the body).
    static func classify(status: Int, headers: [(String, String)], body: [UInt8]) -> DatabricksSQLError {
        func header(_ name: String) -> String? { headers.first { $0.0 == name }?.1 }
        var message =
            header("x-databricks-reason-phrase") ?? header("x-thriftserver-error-message")
            ?? header("x-databricks-error-or-redirect-message")
        if message == nil, let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] {
            message = object["message"] as? String
        }
        if message == nil {
            let text = String(decoding: body.prefix(2000), as: UTF8.self)
            let isHTML = text.lowercased().contains("<html")
            message = isHTML ? nil : text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let detail = (message?.isEmpty == false ? message! : "HTTP \(status)").prefix(500)
        switch status {
        case 401, 403:
            return DatabricksSQLError(.authentication, "the server refused the credentials: \(detail)", httpStatus: status)
        case 300..<400:
            return DatabricksSQLError(
                .protocolViolation,
                "the server redirected the request (HTTP \(status)): check the workspace URL and HTTP path",
                httpStatus: status
            )
        case 404, 405:
            return DatabricksSQLError(
                .protocolViolation,
                "no Thrift endpoint at this URL (HTTP \(status)): check the host and HTTP path",
                httpStatus: status
            )
        case 429:
            return DatabricksSQLError(.httpStatus, "too many requests: \(detail)", httpStatus: status)
        case 503:
            return DatabricksSQLError(.clusterNotReady, "the server is temporarily unavailable: \(detail)", httpStatus: status)
        default:
            return DatabricksSQLError(.httpStatus, "the server answered HTTP \(status): \(detail)", httpStatus: status)
        }
    }
}
