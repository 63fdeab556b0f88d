// The live Apache Spark Thrift Server that scripts/test.sh starts (TRIBUTARY_SPARK_THRIFT_URL).
import Foundation
import Testing

@testable import DatabricksSQL

enum LiveSpark {
    static let url: URL? = ProcessInfo.processInfo.environment["TRIBUTARY_SPARK_THRIFT_URL"].flatMap(URL.init(string:))
    static var isAvailable: Bool { url != nil }
    static let skip = Comment(rawValue: "TRIBUTARY_SPARK_THRIFT_URL is not set: start Spark with scripts/spark/start.sh or run scripts/test.sh")

    static func endpoint(username: String = "tributary", password: String = "x") throws -> SQLEndpoint {
        try SQLEndpoint.sparkThriftServer(url: url!, username: username, password: password)
    }

    static func client(_ policy: RetryPolicy = .interactive) throws -> DatabricksSQLClient {
        DatabricksSQLClient(endpoint: try endpoint(), retryPolicy: policy)
    }

    /// A fresh database name for one test.
    static func database(_ prefix: String) -> String {
        "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
    }
}
