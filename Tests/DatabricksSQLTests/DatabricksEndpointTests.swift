// The Databricks code path end to end: TLS with a test CA, Bearer tokens, the cluster HTTP path,
// the Clusters API and a cluster that answers 503 while it starts, all in front of the live Spark
// (scripts/databricks-endpoint). Also the recorded 401 of a real workspace.
import AsyncHTTPClient
import Foundation
import NIOSSL
import TestSupport
import Testing

@testable import DatabricksSQL

enum DatabricksEndpoint {
    static let directory = LiveServers.databricksEndpointDirectory
    static let origin = ProcessInfo.processInfo.environment["TRIBUTARY_DATABRICKS_ENDPOINT"]
    static var isAvailable: Bool { directory != nil && origin != nil }
    static let skip = Comment(rawValue: "the Databricks-shaped endpoint is not running: run scripts/test.sh")
    static let workspace = "1234567890123456"
    static let cluster = "0123-456789-tributary"

    static var token: String { (try? String(contentsOf: directory!.appendingPathComponent("token"), encoding: .utf8)) ?? "" }

    /// An HTTP client that trusts the endpoint's test CA.
    static func httpClient() throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(directory!.appendingPathComponent("ca.pem").path)
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    static func endpoint(cluster: String = cluster, token: String = token) throws -> SQLEndpoint {
        try SQLEndpoint.databricks(domain: origin!, clusterId: cluster, accessToken: token, httpPath: "/sql/protocolv1/o/\(workspace)/\(cluster)")
    }

    static func withClient<T: Sendable>(
        cluster: String = cluster,
        token: String = token,
        policy: RetryPolicy = .interactive,
        _ body: (DatabricksSQLClient) async throws -> T
    ) async throws -> T {
        let http = try httpClient()
        do {
            let result = try await body(
                DatabricksSQLClient(endpoint: endpoint(cluster: cluster, token: token), httpClient: http, retryPolicy: policy)
            )
            try await http.shutdown()
            return result
        } catch {
            try await http.shutdown()
            throw error
        }
    }
}

@Suite("Databricks-shaped endpoint", .serialized, .enabled(if: DatabricksEndpoint.isAvailable, DatabricksEndpoint.skip), .liveServers)
struct DatabricksEndpointTests {
    @Test func queriesRunOverTLSWithABearerToken() async throws {
        let rows = try await DatabricksEndpoint.withClient { client in
            let cluster = try await client.checkCluster(requireRunning: true)
            #expect(cluster.state == "RUNNING" && cluster.isInteractive)
            return try await client.withSession { session in
                try await session.execute("SELECT id, CAST(id AS STRING) AS s FROM range(3) ORDER BY id").rows()
            }
        }
        #expect(rows == [[.int64(0), .string("0")], [.int64(1), .string("1")], [.int64(2), .string("2")]])
    }

    @Test func resultsLongerThanOnePageArriveWhole() async throws {
        let options = StatementOptions(batchSize: 1000)
        let count = try await DatabricksEndpoint.withClient { client in
            try await client.withSession { session in
                var total = 0
                for try await batch in try await session.execute("SELECT id FROM range(5500)", options: options) { total += batch.rowCount }
                return total
            }
        }
        #expect(count == 5500)
    }

    @Test func aWrongTokenIsAnAuthenticationErrorWithTheServersWords() async throws {
        let started = ContinuousClock.now
        await #expect {
            try await DatabricksEndpoint.withClient(token: "dapi-wrong", policy: RetryPolicy()) { client in try await client.openSession() }
        } throws: { error in
            guard let error = error as? DatabricksSQLError else { return false }
            return error.code == .authentication && error.httpStatus == 401 && error.message.contains("Credential was not sent")
                && !error.description.contains("dapi-wrong")
        }
        #expect(ContinuousClock.now - started < .seconds(5), "401 is never retried")
    }

    @Test func clustersAPIReportsUnknownJobAndTerminatedClusters() async throws {
        await #expect {
            try await DatabricksEndpoint.withClient(cluster: "0000-000000-missing") { try await $0.checkCluster(requireRunning: false) }
        } throws: { ($0 as? DatabricksSQLError)?.code == .clusterNotFound }
        await #expect {
            try await DatabricksEndpoint.withClient(cluster: "0123-456789-jobcluster") { try await $0.checkCluster(requireRunning: false) }
        } throws: { ($0 as? DatabricksSQLError)?.code == .jobCluster }
        await #expect {
            try await DatabricksEndpoint.withClient(cluster: "0123-456789-terminated") { try await $0.checkCluster(requireRunning: true) }
        } throws: { error in
            guard let error = error as? DatabricksSQLError else { return false }
            return error.code == .clusterNotReady && error.message.contains("TERMINATED") && error.message.contains("Inactive cluster terminated")
        }
        let info = try await DatabricksEndpoint.withClient(cluster: "0123-456789-terminated") { try await $0.checkCluster(requireRunning: false) }
        #expect(info.state == "TERMINATED")
    }

    @Test func aStartingClusterIsWaitedForUpToTheDeadline() async throws {
        // A cluster of this test's own that answers 503 "temporarily unavailable" until it runs.
        let cluster = try DatabricksTestCluster(.pending, name: "starting")
        // Interactive calls fail at once with a typed error.
        await #expect {
            try await DatabricksEndpoint.withClient(cluster: cluster.id, policy: .interactive) { try await $0.openSession() }
        } throws: { error in
            guard let error = error as? DatabricksSQLError else { return false }
            return error.code == .clusterNotReady && error.httpStatus == 503 && error.message.contains("temporarily unavailable")
        }
        // Runs wait (honouring Retry-After) and go on when the cluster is up.
        var policy = RetryPolicy()
        policy.unavailableDeadline = .seconds(30)
        let started = ContinuousClock.now
        let ready = Task {
            try await Task.sleep(for: .seconds(2.5))
            try cluster.set(.running)
        }
        let rows = try await DatabricksEndpoint.withClient(cluster: cluster.id, policy: policy) { client in
            try await client.withSession { try await $0.execute("SELECT 42").rows() }
        }
        try await ready.value
        #expect(rows == [[.int32(42)]])
        #expect(ContinuousClock.now - started >= .seconds(2))
    }
}

@Suite("Recorded Databricks HTTP errors", .enabled(if: SharedFixtures.isAvailable, SharedFixtures.skip))
struct RecordedHTTPErrorTests {
    @Test func aRejectedPersonalAccessTokenBecomesAnAuthenticationError() throws {
        let exchange = try #require(Recordings.exchanges("testincorrectcredentialsforpat", method: "OpenSession").first)
        #expect(exchange.status == 401)
        let error = ThriftHTTPTransport.classify(
            status: exchange.status,
            headers: exchange.headers.map { ($0.key, $0.value) },
            body: exchange.response
        )
        #expect(error.code == .authentication && error.httpStatus == 401)
        #expect(error.message.contains("Credential was not sent or was of an unsupported type for this API"))
    }

    @Test func retryAfterIsHonouredAndBounded() {
        #expect(ThriftHTTPTransport.retryAfter([("retry-after", "7")]) == .seconds(7))
        #expect(ThriftHTTPTransport.retryAfter([("retry-after", "999999")]) == .seconds(3600))
        #expect(ThriftHTTPTransport.retryAfter([("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")]) == nil)
        let redirect = ThriftHTTPTransport.classify(status: 303, headers: [], body: [])
        #expect(redirect.code == .protocolViolation)
        let html = ThriftHTTPTransport.classify(status: 500, headers: [], body: Array("<html><body>boom</body></html>".utf8))
        #expect(html.code == .httpStatus && !html.message.contains("<html"))
    }

    @Test func endpointsAreBuiltFromWorkspaceURLs() throws {
        let endpoint = try SQLEndpoint.databricks(
            domain: "https://adb-1234567890123456.7.azuredatabricks.net",
            clusterId: "0819-204509-hill72",
            accessToken: "dapi-secret"
        )
        #expect(
            endpoint.url.absoluteString == "https://adb-1234567890123456.7.azuredatabricks.net/sql/protocolv1/o/1234567890123456/0819-204509-hill72"
        )
        #expect(!endpoint.description.contains("dapi-secret"))
        #expect(throws: DatabricksSQLError.self) {
            try SQLEndpoint.databricks(domain: "https://example.cloud.databricks.com", clusterId: "c", accessToken: "t")
        }
        let withPath = try SQLEndpoint.databricks(
            domain: "https://example.cloud.databricks.com/",
            clusterId: "c-1",
            accessToken: "t",
            httpPath: "sql/protocolv1/o/42/c-1"
        )
        #expect(withPath.url.absoluteString == "https://example.cloud.databricks.com/sql/protocolv1/o/42/c-1")
        #expect(throws: DatabricksSQLError.self) { try SQLEndpoint.databricks(domain: "ftp://x", clusterId: "c", accessToken: "t") }
        #expect(throws: DatabricksSQLError.self) {
            try SQLEndpoint.databricks(domain: "https://adb-1.2.azuredatabricks.net", clusterId: "a/b", accessToken: "t")
        }
        #expect(SQLIdentifier.quoted(path: ["db", "we`ird"]) == "`db`.`we``ird`")
        #expect(SQLIdentifier.literal("it's \\ fine") == "'it\\'s \\\\ fine'")
    }
}
