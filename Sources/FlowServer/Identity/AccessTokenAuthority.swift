// Signed, expiring access tokens (HS256 JWTs) bound to an API client and its organization,
// as IMS issues for the client-credentials grant.
public import Crypto
import Foundation
import JWTKit

/// What a verified access token says.
public struct AccessTokenClaims: Sendable, Hashable {
    /// The API client the token was issued to.
    public var clientId: String
    /// The organization the client belongs to.
    public var orgId: String
    /// When the token expires.
    public var expiresAt: Date
}

/// Issues and verifies access tokens with a key derived from the master key.
public struct AccessTokenAuthority: Sendable {
    private let keys: JWTKeyCollection
    /// How long issued tokens live, in seconds.
    public let lifetimeSeconds: Int

    static let keyId: JWKIdentifier = "tributary-hs256-v1"

    /// Creates an authority that signs with `signingKey`.
    public init(signingKey: SymmetricKey, lifetimeSeconds: Int) async {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(key: signingKey), digestAlgorithm: .sha256, kid: Self.keyId)
        self.keys = keys
        self.lifetimeSeconds = lifetimeSeconds
    }

    /// A new token for a client of an organization.
    public func issue(clientId: String, orgId: String, now: Date = Date()) async throws -> String {
        let payload = AccessTokenPayload(
            subject: SubjectClaim(value: clientId),
            organization: orgId,
            issuedAt: IssuedAtClaim(value: now),
            expiration: ExpirationClaim(value: now.addingTimeInterval(TimeInterval(lifetimeSeconds))),
            tokenId: IDClaim(value: UUID().uuidString.lowercased()),
            type: AccessTokenPayload.accessTokenType
        )
        return try await keys.sign(payload, kid: Self.keyId)
    }

    /// The claims of a valid token, or `nil` when it is malformed, tampered, expired, unsigned
    /// (`alg: none`) or signed with another key.
    public func verify(_ token: String) async -> AccessTokenClaims? {
        guard token.utf8.count <= 8192,
            let payload = try? await keys.verify(token, as: AccessTokenPayload.self),
            payload.type == AccessTokenPayload.accessTokenType
        else { return nil }
        return AccessTokenClaims(clientId: payload.subject.value, orgId: payload.organization, expiresAt: payload.expiration.value)
    }
}

struct AccessTokenPayload: JWTPayload {
    static let accessTokenType = "access_token"

    var subject: SubjectClaim
    var organization: String
    var issuedAt: IssuedAtClaim
    var expiration: ExpirationClaim
    var tokenId: IDClaim
    var type: String

    enum CodingKeys: String, CodingKey {
        case subject = "sub"
        case organization = "org"
        case issuedAt = "iat"
        case expiration = "exp"
        case tokenId = "jti"
        case type
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try expiration.verifyNotExpired()
    }
}
