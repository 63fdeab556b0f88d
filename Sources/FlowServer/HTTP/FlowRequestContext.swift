// The per-request context: the request id every response carries and, after identity checks,
// the caller and the organization and sandbox the request acts in.
public import FlowModel
public import Hummingbird

/// The request context of every route.
public struct FlowRequestContext: RequestContext {
    /// Hummingbird's storage.
    public var coreContext: CoreRequestContextStorage
    /// The id answered in `x-request-id` and in error reports.
    public var requestId: String = ""
    /// The authenticated caller, set by ``IdentityMiddleware``.
    public var caller: Caller?

    /// Creates a context for a request.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// The caller; only routes behind ``IdentityMiddleware`` call this.
    func requireCaller() throws -> Caller {
        guard let caller else { throw GatewayError.tokenMissing }
        return caller
    }
}
