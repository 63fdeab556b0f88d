// Who is calling and where: IMS-style organizations, sandboxes and API clients.

/// An IMS organization, e.g. `5C1328435BF324E90A49402A@AdobeOrg`: the unit of tenancy.
public struct Organization: Sendable, Hashable, Codable {
    /// The org id as callers send it in `x-gw-ims-org-id`.
    public var id: String
    /// A display name.
    public var name: String
    /// Creation time, epoch milliseconds.
    public var createdAt: Int64

    /// Creates an organization record.
    public init(id: String, name: String, createdAt: Int64) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
    }

    /// The id of the organization the first start makes on an empty store.
    public static let bootstrapId = "000000000000000000000001@AdobeOrg"

    /// A new org id in IMS's shape: 24 upper-case hex digits and `@AdobeOrg`.
    public static func newId() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = (0..<24).map { _ in String(UInt8.random(in: 0..<16, using: &generator), radix: 16, uppercase: true) }
        return digits.joined() + "@AdobeOrg"
    }
}

/// A sandbox of an organization; every org has `prod`, its default.
public struct Sandbox: Sendable, Hashable, Codable {
    /// The sandbox id (a UUID).
    public var id: String
    /// The all-lowercase name callers send in `x-sandbox-name`.
    public var name: String
    /// The owning organization.
    public var orgId: String
    /// Whether requests without `x-sandbox-name` use this sandbox.
    public var isDefault: Bool
    /// Creation time, epoch milliseconds.
    public var createdAt: Int64

    /// Creates a sandbox record.
    public init(id: String, name: String, orgId: String, isDefault: Bool, createdAt: Int64) {
        self.id = id
        self.name = name
        self.orgId = orgId
        self.isDefault = isDefault
        self.createdAt = createdAt
    }

    /// The name of the sandbox every organization starts with.
    public static let defaultName = "prod"

    /// Checks a new sandbox name: lower-case letters, digits and hyphens, 1–64 characters.
    public static func validateName(_ name: String) throws(FlowError) {
        guard (1...64).contains(name.count), name.first?.isLetter == true,
            name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") })
        else {
            throw FlowError.invalidRequest(
                "A sandbox name must be 1 to 64 lower-case letters, digits or hyphens, starting with a letter."
            )
        }
    }
}

/// An API client of an organization: its id is the `x-api-key`; its secret buys access tokens.
public struct APIClient: Sendable, Hashable, Codable {
    /// The client id (32 lower-case hex digits), sent as `x-api-key`.
    public var clientId: String
    /// The organization the client acts for.
    public var orgId: String
    /// A display name.
    public var name: String
    /// SHA-256 of the client secret, hex. The secret itself is never stored.
    public var secretHash: String
    /// Creation time, epoch milliseconds.
    public var createdAt: Int64

    /// Creates a client record.
    public init(clientId: String, orgId: String, name: String, secretHash: String, createdAt: Int64) {
        self.clientId = clientId
        self.orgId = orgId
        self.name = name
        self.secretHash = secretHash
        self.createdAt = createdAt
    }
}

/// The organization and sandbox a request acts in; every record is scoped by it.
public struct TenantScope: Sendable, Hashable, Codable {
    /// The organization id.
    public var orgId: String
    /// The sandbox name.
    public var sandboxName: String
    /// The sandbox id.
    public var sandboxId: String

    /// Creates a scope.
    public init(orgId: String, sandboxName: String, sandboxId: String) {
        self.orgId = orgId
        self.sandboxName = sandboxName
        self.sandboxId = sandboxId
    }
}

/// The authenticated caller of a request.
public struct Caller: Sendable, Hashable {
    /// The API client that obtained the token.
    public var clientId: String
    /// Where the request acts.
    public var scope: TenantScope

    /// Creates a caller.
    public init(clientId: String, scope: TenantScope) {
        self.clientId = clientId
        self.scope = scope
    }
}
