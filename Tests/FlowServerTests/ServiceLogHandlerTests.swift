// The service's log lines: swift-log's stream format with every metadata key set on the logger,
// sorted, rendered when a line is written; nothing written below the level.
@testable import FlowServer
import Logging
import Synchronization
import Testing

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
            ServiceLogHandler(label: label) { label, provider in StreamLogHandler(label: label, stream: lines, metadataProvider: provider) }
        }
        logger.logLevel = .warning
        logger[metadataKey: "request-id"] = "r-1"
        logger[metadataKey: "org"] = "O@AdobeOrg"
        logger.info("not written")
        #expect(lines.written.isEmpty)
        logger[metadataKey: "sandbox"] = "prod"
        logger.warning("Request failed", metadata: ["error": "boom"])
        #expect(lines.written.hasSuffix(" warning tributary: error=boom org=O@AdobeOrg request-id=r-1 sandbox=prod [FlowServerTests] Request failed\n"))
    }
}
