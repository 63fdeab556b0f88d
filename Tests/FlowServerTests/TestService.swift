// Test support: a real service on a temporary data directory, tenants with real tokens, and a
// log handler that records every line so tests can prove secrets never reach the logs.
import FlowModel
import FlowServer
import FlowStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import TestSupport
import Testing

/// Every log line a service wrote.
final class LogRecorder: Sendable {
    let lines = Mutex<[String]>([])

    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    func logger() -> Logger {
        Logger(label: "tributary-test") { _ in RecordingLogHandler(recorder: self) }
    }
}

struct RecordingLogHandler: LogHandler {
    let recorder: LogRecorder
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        recorder.lines.withLock { $0.append("\(event.level) \(event.message) \(all)") }
    }
}

/// The tests' temporary data directories, removed when the test process exits (a test may start a
/// service again on a directory, so none is removed before).
enum TestDirectories {
    private static let made = Mutex<[URL]>([])
    private static let removedAtExit: Void = { atexit { TestDirectories.removeAll() } }()

    /// A new directory's path under the temporary folder (created by whoever uses it).
    static func make() -> URL {
        _ = removedAtExit
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tributary-test-\(UUID().uuidString)")
        made.withLock { $0.append(directory) }
        return directory
    }

    private static func removeAll() {
        for directory in made.withLock({ $0 }) { try? FileManager.default.removeItem(at: directory) }
    }
}

/// A service on its own temporary data directory, wired exactly as `tributary serve` wires it.
struct TestService {
    var services: FlowServices
    let directory: URL
    let logs: LogRecorder

    static func make(directory: URL? = nil, configure: (inout ServerConfiguration) -> Void = { _ in }) async throws -> TestService {
        let directory = directory ?? TestDirectories.make()
        var configuration = ServerConfiguration()
        configuration.dataDirectory = directory
        configuration.port = 0
        if TestDatabase.servicesUsePostgres { configuration.databaseURL = try databaseURL(of: directory) }
        configure(&configuration)
        let logs = LogRecorder()
        let services = try await FlowServices.open(configuration, logger: logs.logger())
        return TestService(services: services, directory: directory, logs: logs)
    }

    /// The PostgreSQL schema of a data directory: a new one, kept in the directory, so that a service
    /// started again on the directory finds its records.
    static func databaseURL(of directory: URL) throws -> String? {
        let file = directory.appendingPathComponent("test-database-url")
        if let url = try? String(contentsOf: file, encoding: .utf8) { return url }
        guard let url = TestDatabase.isolatedURL() else { return nil }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try url.write(to: file, atomically: true, encoding: .utf8)
        return url
    }

    /// Runs `body` against the real router.
    func test<Value: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        try await buildApplication(services: services).test(.router, body)
    }

    /// Runs `body` against the real application listening on a free port (`client.port`).
    func testLive<Value: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        try await buildApplication(services: services).test(.live, body)
    }

    /// A new organization with one client and a token obtained through `POST /ims/token/v3`.
    func tenant(_ client: some TestClientProtocol, name: String = "Org") async throws -> Tenant {
        let organization = try await services.tenancy.createOrganization(name: name)
        let credentials = try await services.tenancy.createClient(orgId: organization.id, name: "test client")
        let form = "grant_type=client_credentials&client_id=\(credentials.clientId)&client_secret=\(credentials.clientSecret)"
        let response = try await client.execute(
            uri: "/ims/token/v3",
            method: .post,
            headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: form)
        )
        #expect(response.status == .ok)
        let token = try JSONValue(parsing: response.body.readableBytesView)["access_token"]?.stringValue ?? ""
        return Tenant(orgId: organization.id, clientId: credentials.clientId, clientSecret: credentials.clientSecret, token: token)
    }
}

/// An organization's client and its token.
struct Tenant: Sendable {
    let orgId: String
    let clientId: String
    let clientSecret: String
    let token: String

    func headers(sandbox: String? = "prod", json: Bool = false) -> HTTPFields {
        var headers: HTTPFields = [
            .authorization: "Bearer \(token)",
            HTTPField.Name("x-api-key")!: clientId,
            HTTPField.Name("x-gw-ims-org-id")!: orgId,
        ]
        if let sandbox { headers[HTTPField.Name("x-sandbox-name")!] = sandbox }
        if json { headers[.contentType] = "application/json" }
        return headers
    }
}

let flowBase = "/data/foundation/flowservice"

/// The request of Adobe's Databricks tutorial, verbatim but for an access token of our choosing.
func seedRequestBody(accessToken: String = "xxxx") -> String {
    """
    {"name": "Databricks connection to Experience Platform",
     "auth": {"specName": "Access Token Authentication",
              "params": {"domain": "https://adb-1234567890123456.7.azuredatabricks.net",
                         "clusterId": "xxxx", "accessToken": "\(accessToken)", "database": "acme-db"}},
     "connectionSpec": {"id": "e9d7ec6b-0873-4e57-ad21-b3a7c65e310b", "version": "1.0"}}
    """
}

extension TestResponse {
    var json: JSONValue { (try? JSONValue(parsing: body.readableBytesView)) ?? .null }
    /// The Flow error code of an error response, e.g. `1404-412`.
    var flowCode: String? {
        json["type"]?.stringValue.map { String($0.split(separator: "FLOW-").last ?? "") }
    }
    var gatewayCode: String? { json["error_code"]?.stringValue }
}

extension TestClientProtocol {
    /// Creates a connection from a JSON body and returns the response.
    func createConnection(_ tenant: Tenant, body: String = seedRequestBody(), sandbox: String? = "prod") async throws -> TestResponse {
        try await execute(
            uri: "\(flowBase)/connections",
            method: .post,
            headers: tenant.headers(sandbox: sandbox, json: true),
            body: ByteBuffer(string: body)
        )
    }

    func get(_ path: String, _ tenant: Tenant, sandbox: String? = "prod") async throws -> TestResponse {
        try await execute(uri: "\(flowBase)\(path)", method: .get, headers: tenant.headers(sandbox: sandbox))
    }
}
