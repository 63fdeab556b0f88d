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

    /// Peak resident memory of this process so far, in bytes (Linux VmHWM).
    static func peakResidentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
    }
}
