import DatabricksSQL
import FlowModel
import Foundation
import Logging
import Testing

// The SSRF rules: a client-chosen host never reaches metadata endpoints, loopback or private
// networks unless the operator allow-lists it; Databricks connections name Databricks hosts.
@testable import Connectors

@Suite("Source host policy")
struct SourceHostPolicyTests {
    let none = SourceHostPolicy()

    @Test(arguments: [
        "https://adb-1234567890123456.7.azuredatabricks.net", "https://dbc-a1b2c3d4-e5f6.cloud.databricks.com",
        "https://1234567890123456.7.gcp.databricks.com/",
    ])
    func databricksWorkspaceHostsAreAllowed(_ domain: String) throws {
        try none.checkDatabricks(URL(string: domain)!)
    }

    @Test(arguments: [
        "http://adb-1234567890123456.7.azuredatabricks.net", "https://169.254.169.254", "http://169.254.169.254/latest/meta-data",
        "https://localhost", "https://127.0.0.1:10443", "file:///etc/passwd", "https://azuredatabricks.net.evil.example",
        "https://evilazuredatabricks.net", "https://adb-1.7.azuredatabricks.net:8443", "https://[::1]", "https://metadata.google.internal",
    ])
    func otherDatabricksDomainsAreRefused(_ domain: String) {
        #expect(throws: ConnectorError.self) { try none.checkDatabricks(URL(string: domain)!) }
    }

    @Test(arguments: [
        "169.254.169.254", "127.0.0.1", "localhost", "LOCALHOST.", "10.1.2.3", "172.20.0.1", "192.168.1.1", "100.64.0.1",
        "0.0.0.0", "::1", "[::1]", "fe80::1", "fd00:ec2::254", "::ffff:169.254.169.254", "2852039166", "0xA9FEA9FE", "0251.0376.0251.0376",
        "metadata.google.internal", "foo.localhost", "224.0.0.1",
    ])
    func nonPublicSparkHostsAreRefused(_ host: String) {
        #expect(throws: ConnectorError.self) { try none.checkStatically(host: host, port: 10001) }
    }

    @Test(arguments: ["https://169.254.169.254/latest/meta-data?sig=x", "https://127.0.0.1:10445/files/a", "https://10.0.0.7/blob"])
    func cloudFetchLinksToInternalAddressesAreNeverDownloaded(_ link: String) async throws {
        // The links come from the server; a server of the user's choosing must not send the service inward.
        let check = try #require(SourceConnectors.cloudFetch(none).checkDestination)
        await #expect {
            try await check(URL(string: link)!)
        } throws: { error in
            guard let error = error as? DatabricksSQLError else { return false }
            return error.code == .invalidConfiguration && !error.message.contains("sig=")
        }
    }

    @Test func cloudFetchLinksToAllowListedHostsAreDownloaded() async throws {
        let check = try #require(SourceConnectors.cloudFetch(SourceHostPolicy.parse("127.0.0.1").policy).checkDestination)
        try await check(URL(string: "https://127.0.0.1:10445/files/a")!)
    }

    @Test func publicAddressesPassTheStaticCheck() throws {
        try none.checkStatically(host: "8.8.8.8", port: 10001)
        try none.checkStatically(host: "2001:4860:4860::8888", port: 10001)
        try none.checkStatically(host: "spark.example.com", port: 10001)
    }

    @Test func namesThatResolveToLoopbackAreRefusedBeforeConnecting() async {
        await #expect(throws: ConnectorError.self) { try await none.checkResolved(host: "localhost", port: 10001) }
        // "ip6-localhost"-style names are caught by resolution, not by their spelling.
        let policy = SourceHostPolicy()
        do {
            try await policy.checkResolved(host: "localhost.localdomain", port: 10001)
            Issue.record("localhost.localdomain should not pass")
        } catch {
            #expect(error.reason == .hostNotAllowed || error.reason == .unreachable)
        }
    }

    @Test func theOperatorsAllowListOpensExactlyWhatItNames() throws {
        let (policy, rejected) = SourceHostPolicy.parse("127.0.0.1:10443, localhost, *.corp.example, [::1]:10001, bad:port:x:")
        #expect(rejected.count == 1)
        try policy.checkDatabricks(URL(string: "https://127.0.0.1:10443")!)
        #expect(throws: ConnectorError.self) { try policy.checkDatabricks(URL(string: "https://127.0.0.1:10444")!) }
        try policy.checkStatically(host: "localhost", port: 1)
        try policy.checkStatically(host: "spark.corp.example", port: 10001)
        try policy.checkStatically(host: "::1", port: 10001)
        #expect(throws: ConnectorError.self) { try policy.checkStatically(host: "::1", port: 10002) }
        #expect(throws: ConnectorError.self) { try policy.checkStatically(host: "169.254.169.254", port: 80) }
        #expect(throws: ConnectorError.self) { try policy.checkDatabricks(URL(string: "https://corp.example.evil")!) }
        try policy.checkDatabricks(URL(string: "https://dbx.corp.example")!)
    }

    @Test func connectionsAreCheckedWhenCreatedAndWhenOpened() throws {
        let connectors = SourceConnectors(
            hostPolicy: SourceHostPolicy(),
            httpClient: try SourceHTTPClient.trusting(nil),
            logger: Logger(label: "test")
        )
        let metadata: [String: JSONValue] = ["host": "169.254.169.254", "port": 80, "database": "default"]
        #expect(throws: ConnectorError.self) { try connectors.checkDestination(specId: ConnectionSpec.sparkThriftServerId, params: metadata) }
        #expect(throws: ConnectorError.self) { try connectors.connector(specId: ConnectionSpec.sparkThriftServerId, params: metadata) }
        let local: [String: JSONValue] = ["domain": "https://localhost", "clusterId": "c", "accessToken": "t", "database": "d"]
        #expect(throws: ConnectorError.self) { try connectors.checkDestination(specId: ConnectionSpec.azureDatabricksId, params: local) }
    }
}
