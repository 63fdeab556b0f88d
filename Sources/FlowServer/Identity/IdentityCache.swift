// What the identity check of every call looks up, kept in memory: verified access tokens until
// they expire, and the API clients and sandboxes found in the store for a short time. Only what was
// found is kept; a client or sandbox the store does not have is looked up again on every call, so
// one the CLI creates (it writes the database directly) is seen by the next request. A change to an
// existing one (the CLI has none today) is seen within `lifetime`.
import FlowModel
import FlowStore
import Foundation
import Synchronization

/// In-memory look-ups for identity checks.
public final class IdentityCache: Sendable {
    private struct Kept<Value: Sendable>: Sendable {
        var value: Value
        var until: ContinuousClock.Instant
    }

    /// How long a found client or sandbox is kept.
    public let lifetime: Duration
    /// The most entries of each kind; beyond it the kind is emptied and refilled as calls come.
    public let capacity: Int
    private let tokens = Mutex<[String: AccessTokenClaims]>([:])
    private let clients = Mutex<[String: Kept<APIClient>]>([:])
    private let sandboxes = Mutex<[String: Kept<[Sandbox]>]>([:])

    /// A cache keeping found clients and sandboxes for `lifetime`.
    public init(lifetime: Duration = .seconds(30), capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The claims of `token` while it has not expired, verified once by `verify`.
    func claims(_ token: String, verify: (String) async -> AccessTokenClaims?) async -> AccessTokenClaims? {
        let now = Date()
        if let kept = tokens.withLock({ $0[token] }), kept.expiresAt > now { return kept }
        guard let claims = await verify(token) else { return nil }
        store(claims, for: token, in: tokens)
        return claims
    }

    /// The client `id`, from memory when it was found within `lifetime`.
    func client(_ id: String, in storage: any FlowStorage) async throws -> APIClient? {
        if let kept = fresh(id, in: clients) { return kept }
        guard let client = try await storage.client(id: id) else { return nil }
        store(Kept(value: client, until: .now + lifetime), for: id, in: clients)
        return client
    }

    /// The sandbox `name` of an organization (its default sandbox when `name` is `nil`).
    func sandbox(orgId: String, name: String?, in storage: any FlowStorage) async throws -> Sandbox? {
        func pick(_ all: [Sandbox]) -> Sandbox? { all.first { name == nil ? $0.isDefault : $0.name == name } }
        if let kept = fresh(orgId, in: sandboxes), let found = pick(kept) { return found }
        let all = try await storage.sandboxes(orgId: orgId)
        store(Kept(value: all, until: .now + lifetime), for: orgId, in: sandboxes)
        return pick(all)
    }

    private func fresh<Value: Sendable>(_ key: String, in table: borrowing Mutex<[String: Kept<Value>]>) -> Value? {
        table.withLock { entries in
            guard let kept = entries[key], kept.until > .now else { return nil }
            return kept.value
        }
    }

    private func store<Value: Sendable>(_ value: Value, for key: String, in table: borrowing Mutex<[String: Value]>) {
        table.withLock { entries in
            if entries.count >= capacity, entries[key] == nil { entries.removeAll(keepingCapacity: true) }
            entries[key] = value
        }
    }
}
