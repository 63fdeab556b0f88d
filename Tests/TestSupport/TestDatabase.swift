// The PostgreSQL server scripts/test.sh starts (scripts/postgres/start.sh), and a schema of its own
// for each store a test opens, so tests running at once never see each other's records.
import Foundation

public enum TestDatabase {
    static let environment = ProcessInfo.processInfo.environment
    /// The tests' server (TRIBUTARY_TEST_POSTGRES_URL), when one was started.
    public static let postgresURL = environment["TRIBUTARY_TEST_POSTGRES_URL"]
    /// Whether the HTTP suite runs its services on PostgreSQL (TRIBUTARY_TEST_SERVICE_STORE=postgres)
    /// instead of each data directory's SQLite file.
    public static let servicesUsePostgres = environment["TRIBUTARY_TEST_SERVICE_STORE"] == "postgres" && postgresURL != nil
    /// The CA that signed the tests' server certificate (TRIBUTARY_TEST_POSTGRES_CA).
    public static let certificateAuthorityFile = environment["TRIBUTARY_TEST_POSTGRES_CA"]
    /// Why the PostgreSQL tests did not run.
    public static let skip = "TRIBUTARY_TEST_POSTGRES_URL is not set: scripts/test.sh starts PostgreSQL and sets it"

    /// The server's URL with a new schema (created by the store) and a small pool; as `user`, with
    /// `query` (`sslmode=…`) in place of the URL's own parameters, when given.
    public static func isolatedURL(poolSize: Int = 4, user: String? = nil, query: String? = nil) -> String? {
        guard var postgresURL else { return nil }
        if let user, let at = postgresURL.range(of: "://"), let end = postgresURL.range(of: "@") {
            postgresURL.replaceSubrange(at.upperBound..<end.lowerBound, with: user)
        }
        if let query, let start = postgresURL.firstIndex(of: "?") {
            postgresURL = String(postgresURL[..<start]) + "?" + query
        }
        let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        return postgresURL + (postgresURL.contains("?") ? "&" : "?") + "schema=\(schema)&pool_size=\(poolSize)"
    }
}
