// Limits on the HTTP connections clients open, enforced in the channel pipeline where a slow or
// hostile client is seen before any route runs: a cap on concurrent connections answered with a clear
// 503, a deadline for a request's body once its head has arrived, and Flow error bodies (with an
// `x-request-id`) for heads the HTTP parser refuses. The deadline for a request's head and for an idle
// keep-alive connection is the HTTP server's idle timeout (see `buildApplication`): a connection that
// has not sent a complete head within it is closed, however slowly its bytes arrive.
import FlowModel
import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import Synchronization

/// The connection limits of one server (`TRIBUTARY_MAX_CONNECTIONS`, `TRIBUTARY_IDLE_TIMEOUT_SECONDS`,
/// `TRIBUTARY_BODY_TIMEOUT_SECONDS`).
public struct ConnectionLimits: Sendable {
    /// Connections served at once; one more is answered 503 `1103-503` and closed.
    public var maximumConnections: Int = 512
    /// How long a connection may take to send a complete request head, and stay idle between requests.
    public var idleTimeoutSeconds: Int = 30
    /// How long a request's body may take to arrive once its head has.
    public var bodyTimeoutSeconds: Int = 30

    public init() {}
}

/// Counts the open connections of one server.
final class ConnectionCounter: Sendable {
    let limit: Int
    private let open = Atomic<Int>(0)

    init(limit: Int) { self.limit = limit }

    /// Counts a new connection; false when it is over the limit (it is counted all the same, and
    /// released like any other).
    func admit() -> Bool { open.wrappingAdd(1, ordering: .relaxed).newValue <= limit }
    func release() { open.wrappingSubtract(1, ordering: .relaxed) }
    var count: Int { open.load(ordering: .relaxed) }
}

/// One connection's guard: placed after the HTTP codec, it sees request and response parts.
final class ConnectionLimitsHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let counter: ConnectionCounter
    private let bodyTimeout: TimeAmount
    private var counted = false
    private var closing = false
    /// Requests whose head was read and whose response has not ended.
    private var requestsInFlight = 0
    /// Whether the response to the request being read has begun.
    private var responseStarted = false
    private var bodyDeadline: Scheduled<Void>?
    private var lingering: Scheduled<Void>?

    init(counter: ConnectionCounter, bodyTimeout: TimeAmount) {
        self.counter = counter
        self.bodyTimeout = bodyTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { admit(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        admit(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        leave()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        leave()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            requestsInFlight += 1
            responseStarted = false
            // Most requests have no body: their end follows the head at once, with no deadline to set.
            let declaresBody =
                head.headerFields[.transferEncoding] != nil || (head.headerFields[.contentLength].flatMap(Int.init) ?? 0) > 0
            guard declaresBody else { break }
            let timeout = bodyTimeout
            bodyDeadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
                bodyDeadline = nil
                refuse(
                    context: context,
                    status: .requestTimeout,
                    error: FlowError(
                        code: "1100-408",
                        title: "Request timeout",
                        detailedMessage: "The request body did not arrive within \(timeout.nanoseconds / 1_000_000_000) seconds."
                    )
                )
            }
        case .body:
            break
        case .end:
            bodyDeadline?.cancel()
            bodyDeadline = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head: responseStarted = true
        case .body: break
        case .end: requestsInFlight = max(0, requestsInFlight - 1)
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A head the parser refuses: answered here, with the service's error body, when no response
        // is on its way on this connection; otherwise Hummingbird answers once that one has ended.
        if closing { return }
        guard let error = error as? HTTPParserError, requestsInFlight == 0 else {
            context.fireErrorCaught(error)
            return
        }
        switch error {
        case .headerOverflow:
            refuse(
                context: context,
                status: .requestHeaderFieldsTooLarge,
                error: FlowError(
                    code: "1100-431",
                    title: "Request header fields too large",
                    detailedMessage: "The request line and headers are larger than the server accepts (80 KiB)."
                )
            )
        default:
            refuse(
                context: context,
                status: .badRequest,
                error: FlowError(code: "1100-400", title: "Invalid request", detailedMessage: "The request is not valid HTTP/1.1.")
            )
        }
    }

    private func admit(context: ChannelHandlerContext) {
        guard !counted else { return }
        counted = true
        if !counter.admit() {
            refuse(
                context: context,
                status: .serviceUnavailable,
                error: FlowError(
                    code: "1103-503",
                    title: "Service unavailable",
                    detailedMessage: "The service has \(counter.limit) connections open, its limit. Try again shortly."
                ),
                retryAfter: true
            )
        }
    }

    private func leave() {
        bodyDeadline?.cancel()
        bodyDeadline = nil
        lingering?.cancel()
        lingering = nil
        if counted {
            counted = false
            counter.release()
        }
    }

    /// Answers `error` (unless a response has begun) and closes the connection: first its output, so
    /// the answer is delivered, then, after what the client still sends has been read and dropped for
    /// a moment, the whole connection (closing with unread input would reset it and lose the answer).
    private func refuse(context: ChannelHandlerContext, status: HTTPResponse.Status, error: FlowError, retryAfter: Bool = false) {
        guard !closing else { return }
        closing = true
        bodyDeadline?.cancel()
        bodyDeadline = nil
        if requestsInFlight == 0 || !responseStarted {
            let requestId = UUID().uuidString.lowercased()
            let body = ByteBuffer(bytes: ErrorMiddleware.flowBody(error, requestId: requestId).jsonData())
            var headers: HTTPFields = [.contentType: "application/json", .connection: "close", .contentLength: String(body.readableBytes)]
            headers[RequestIdentifier.field] = requestId
            if retryAfter { headers[.retryAfter] = "1" }
            context.write(wrapOutboundOut(.head(HTTPResponse(status: status, headerFields: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(body)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
        let outputClosed = context.eventLoop.makePromise(of: Void.self)
        context.close(mode: .output, promise: outputClosed)
        outputClosed.futureResult.assumeIsolated().whenFailure { _ in context.close(promise: nil) }
        lingering = context.eventLoop.assumeIsolated().scheduleTask(in: Self.linger) { context.close(promise: nil) }
    }

    /// How long a refused connection's input is read and dropped before it is closed.
    static let linger = TimeAmount.seconds(2)
}
