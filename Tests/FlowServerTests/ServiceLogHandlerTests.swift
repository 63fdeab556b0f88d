import FlowModel
import Foundation
import Logging
import Synchronization
import Testing

// The service's log lines: swift-log's stream format with every metadata key set on the logger,
// sorted, rendered when a line is written; nothing written below the level. In JSON, one object a
// line with the metadata as members, text escaped, and a real service's request lines parse.
@testable import FlowServer

@Suite("Service log lines")
struct ServiceLogHandlerTests {
    /// Lines written, kept in memory.
    final class Lines: TextOutputStream, Sendable {
        private let text = Mutex("")
        func write(_ string: String) { text.withLock { $0 += string } }
        var written: String { text.withLock { $0 } }
    }

    @Test func metadataSetOnTheLoggerIsInTheLineAndNothingBelowTheLevelIsWritten() {
        let lines = Lines()
        var logger = Logger(label: "tributary") { label in
            ServiceLogHandler(
                label: label,
                output: .text { label, provider in StreamLogHandler(label: label, stream: lines, metadataProvider: provider) }
            )
        }
        logger.logLevel = .warning
        logger[metadataKey: "request-id"] = "r-1"
        logger[metadataKey: "org"] = "O@AdobeOrg"
        logger.info("not written")
        #expect(lines.written.isEmpty)
        logger[metadataKey: "sandbox"] = "prod"
        logger.warning("Request failed", metadata: ["error": "boom"])
        #expect(
            lines.written.hasSuffix(" warning tributary: error=boom org=O@AdobeOrg request-id=r-1 sandbox=prod [FlowServerTests] Request failed\n")
        )
    }

    @Test func jsonLinesAreOneObjectEachWithTheMetadataAsMembers() throws {
        let lines = Mutex<[[UInt8]]>([])
        var logger = Logger(label: "tributary") { label in
            ServiceLogHandler(label: label, output: .json { line in lines.withLock { $0.append(line) } })
        }
        logger.logLevel = .info
        logger[metadataKey: "request-id"] = "r-1"
        logger[metadataKey: "org"] = "O@AdobeOrg"
        logger.debug("not written")
        logger.warning("Run failed: \"quoted\"\nnext line", metadata: ["run": "run-1", "attempt": .stringConvertible(2), "batches": ["b1", "b2"]])
        let written = lines.withLock { $0 }
        #expect(written.count == 1)
        let line = try #require(written.first)
        #expect(line.last == UInt8(ascii: "\n") && !line.dropLast().contains(UInt8(ascii: "\n")), "one line, its newline escaped")
        let object = try JSONValue(parsing: Array(line.dropLast()))
        #expect(object["level"] == "warning" && object["label"] == "tributary" && object["message"] == "Run failed: \"quoted\"\nnext line")
        #expect(object["request-id"] == "r-1" && object["org"] == "O@AdobeOrg" && object["run"] == "run-1" && object["attempt"] == "2")
        #expect(object["batches"] == ["b1", "b2"])
        let timestamp = try #require(object["timestamp"]?.stringValue)
        #expect(timestamp.hasSuffix("Z") && timestamp.contains("."), "UTC with milliseconds: \(timestamp)")
        #expect(try Date(timestamp, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)).timeIntervalSinceNow > -60)
    }
}
