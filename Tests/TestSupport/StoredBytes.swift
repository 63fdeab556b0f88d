// Everything a store keeps, as bytes: what someone who reads the database's files or tables sees.
// Tests search it for secrets that must only be stored sealed.
import FlowStore
import Foundation
import PostgresNIO

public enum StoredBytes {
    /// Every file under `directory` (an SQLite store's data directory: database, WAL, key file, lake).
    public static func files(under directory: URL) throws -> Data {
        var bytes = Data()
        for name in try FileManager.default.subpathsOfDirectory(atPath: directory.path) {
            var isDirectory: ObjCBool = false
            let path = directory.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: path.path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            bytes.append(try Data(contentsOf: path))
        }
        return bytes
    }

    /// Every resource row of the PostgreSQL store at `url` (its schema), sealed bytes with their
    /// printable bytes as they are: a plaintext would show.
    public static func rows(at url: String) async throws -> Data {
        let client = PostgresClient(configuration: try PostgresSettings(url: url).clientConfiguration())
        return try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            let rows = try await client.query(
                """
                SELECT COALESCE(string_agg(id || metadata::text || body::text || COALESCE(encode(sealed_secrets, 'escape'), ''), ''), '')
                FROM resources
                """
            )
            var text = ""
            for try await value in rows.decode(String.self) { text += value }
            return Data(text.utf8)
        }
    }
}
