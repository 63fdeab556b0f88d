import Crypto
// Creating organizations, sandboxes and API clients, and the first-start bootstrap that makes one
// of each and writes its credentials to a 0600 file in the data directory.
public import FlowModel
import FlowStore
public import Foundation

/// The credentials of a new API client. The secret exists only here; the store keeps its hash.
public struct ClientCredentials: Sendable, Codable, Hashable {
    /// The organization id (`x-gw-ims-org-id`).
    public var orgId: String
    /// The client id (`x-api-key`).
    public var clientId: String
    /// The client secret, for `POST /ims/token/v3`.
    public var clientSecret: String
    /// The default sandbox.
    public var sandboxName: String
}

/// Administration of tenants, used by the CLI, the bootstrap and the tests.
public struct TenancyAdministration: Sendable {
    let storage: any FlowStorage
    let tokens: AccessTokenAuthority

    /// Creates an organization with its `prod` sandbox.
    public func createOrganization(name: String, id: String = Organization.newId()) async throws -> Organization {
        let now = ServiceClock.now()
        let organization = Organization(id: id, name: name, createdAt: now)
        let sandbox = Sandbox(id: UUID().uuidString.lowercased(), name: Sandbox.defaultName, orgId: organization.id, isDefault: true, createdAt: now)
        try await storage.createOrganization(organization, defaultSandbox: sandbox)
        return organization
    }

    /// Creates a sandbox in an organization.
    public func createSandbox(orgId: String, name: String) async throws -> Sandbox {
        try Sandbox.validateName(name)
        guard try await storage.organization(id: orgId) != nil else { throw FlowError.organizationNotAuthorized }
        let sandbox = Sandbox(id: UUID().uuidString.lowercased(), name: name, orgId: orgId, isDefault: false, createdAt: ServiceClock.now())
        try await storage.createSandbox(sandbox)
        return sandbox
    }

    /// Creates an API client of an organization and returns its credentials (the only time the
    /// secret is seen).
    public func createClient(orgId: String, name: String) async throws -> ClientCredentials {
        guard try await storage.organization(id: orgId) != nil else { throw FlowError.organizationNotAuthorized }
        let clientId = Self.randomHex(bytes: 16)
        let secret = "p8e-" + Self.randomBase64URL(bytes: 32)
        let client = APIClient(clientId: clientId, orgId: orgId, name: name, secretHash: Self.hash(secret), createdAt: ServiceClock.now())
        try await storage.createClient(client)
        let sandbox = try await storage.defaultSandbox(orgId: orgId)?.name ?? Sandbox.defaultName
        return ClientCredentials(orgId: orgId, clientId: clientId, clientSecret: secret, sandboxName: sandbox)
    }

    /// The client whose id and secret these are, if they match (constant-time comparison).
    public func authenticate(clientId: String, secret: String) async throws -> APIClient? {
        guard clientId.count <= 256, secret.count <= 1024, let client = try await storage.client(id: clientId) else { return nil }
        let expected = Array(client.secretHash.utf8)
        let actual = Array(Self.hash(secret).utf8)
        guard expected.count == actual.count else { return nil }
        var difference: UInt8 = 0
        for (a, b) in zip(expected, actual) { difference |= a ^ b }
        return difference == 0 ? client : nil
    }

    /// On an empty store, creates one organization, its `prod` sandbox and one client, and writes
    /// the credentials to `file` with mode 0600.
    /// - Returns: the credentials when it bootstrapped, `nil` when the store already had an organization.
    public func bootstrapIfEmpty(credentialsFile file: URL) async throws -> ClientCredentials? {
        guard try await storage.organizations().isEmpty else { return nil }
        // One id for the bootstrap organization: instances starting together on one empty database
        // make it once (the others' insert is a duplicate).
        let organization: Organization
        do {
            organization = try await createOrganization(name: "Default organization", id: Organization.bootstrapId)
        } catch let error as FlowStoreError where error.code == .duplicate {
            return nil
        }
        let credentials = try await createClient(orgId: organization.id, name: "Bootstrap client")
        let data = try JSONCoding.encoder.encode(credentials)
        try? FileManager.default.removeItem(at: file)
        guard FileManager.default.createFile(atPath: file.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown)
        }
        return credentials
    }

    static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    static func randomBase64URL(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let data = Data((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) })
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
