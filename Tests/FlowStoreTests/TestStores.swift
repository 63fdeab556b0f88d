// The stores the contract tests run on: SQLite always, PostgreSQL when scripts/test.sh started a
// server (each store on a schema of its own).
import Crypto
import FlowStore
import Foundation
import Logging
import TestSupport
import Testing

/// A kind of store.
enum StoreKind: String, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// The kinds this run can test.
    static var available: [StoreKind] { TestDatabase.postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }
}

/// Where a test's store lives: opened again (with another key, by another instance) at the same place.
struct StoreLocation: Sendable {
    let kind: StoreKind
    let place: String

    /// A new, empty place for a store of `kind`.
    init(_ kind: StoreKind) throws {
        self.kind = kind
        switch kind {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tributary-store-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            place = directory.appendingPathComponent("db.sqlite").path
        case .postgres:
            place = try #require(TestDatabase.isolatedURL())
        }
    }

    /// The store at this place, sealing with `key`.
    func open(key: SymmetricKey = SymmetricKey(size: .bits256)) async throws -> any FlowStorage {
        switch kind {
        case .sqlite: try SQLiteFlowStorage(path: place, sealer: SecretSealer(key: key))
        case .postgres:
            try await PostgresFlowStorage.open(PostgresSettings(url: place), sealer: SecretSealer(key: key), logger: Logger(label: "test-store"))
        }
    }
}
