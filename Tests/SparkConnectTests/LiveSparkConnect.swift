// The live Spark Connect server scripts/test.sh starts (TRIBUTARY_SPARK_CONNECT_URL): the same JVM
// as the Thrift server (SparkConnectPlugin), so a table is the same table through either protocol.
import DatabricksSQL
import Foundation
import SparkConnect
import TestSupport
import Testing

enum LiveSparkConnect {
    static let environment = ProcessInfo.processInfo.environment
    static let address = environment["TRIBUTARY_SPARK_CONNECT_URL"]
    static let thriftURL = environment["TRIBUTARY_SPARK_THRIFT_URL"].flatMap(URL.init(string:))
    static var isAvailable: Bool { address != nil && thriftURL != nil }
    static let skip = Comment(
        rawValue:
            "TRIBUTARY_SPARK_CONNECT_URL / TRIBUTARY_SPARK_THRIFT_URL are not set: start Spark with scripts/spark/start.sh or run scripts/test.sh"
    )

    static func client(_ address: String? = nil, reattachAttempts: Int = 8) throws -> SparkConnectClient {
        SparkConnectClient(endpoint: try .connectionString(address ?? self.address!), callTimeout: .seconds(60), reattachAttempts: reattachAttempts)
    }

    /// The Thrift path to the same server, to compare readings.
    static func thrift() throws -> DatabricksSQLClient {
        DatabricksSQLClient(endpoint: try .sparkThriftServer(url: thriftURL!, username: "tributary", password: "x"), retryPolicy: .interactive)
    }

    /// A fresh database name for one test.
    static func database(_ prefix: String) -> String {
        "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// The port of the address (`sc://host:port`).
    static var port: Int { LiveServers.sparkConnectPort }
}
