// Identity failures answered the way Adobe I/O's gateway answers them: `{"error_code","message"}`,
// the HTTP status being the code's first three digits.

/// A gateway-level error.
public struct GatewayError: Error, Sendable, Hashable {
    /// The six-digit code, e.g. `401013`.
    public var code: String
    /// The message.
    public var message: String

    /// The HTTP status: the first three digits of the code.
    public var status: Int { Int(code.prefix(3)) ?? 400 }

    /// `403010`: no bearer token.
    public static let tokenMissing = GatewayError(code: "403010", message: "Oauth token is missing.")
    /// `401013`: the token is malformed, tampered, expired, unsigned or for a client that no longer exists.
    public static let tokenInvalid = GatewayError(code: "401013", message: "Oauth token is not valid")
    /// `403000`: no `x-api-key`.
    public static let apiKeyMissing = GatewayError(code: "403000", message: "Api Key is required")
    /// `403003`: the `x-api-key` is not the token's client.
    public static let apiKeyInvalid = GatewayError(code: "403003", message: "Api Key is invalid")
    /// `400003`: no `x-gw-ims-org-id`.
    public static let orgHeaderMissing = GatewayError(code: "400003", message: "Missing header x-gw-ims-org-id")
}
