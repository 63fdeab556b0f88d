// The service's log lines on standard error: swift-log's stream format (the default), or one JSON
// object per line for a log pipeline (`TRIBUTARY_LOG_FORMAT=json`): timestamp, level, label, message
// and every metadata key (request id, organization, sandbox, flow, run, error) as members. Unlike the
// stream handler, metadata is rendered when a line is written rather than each time a key is set:
// every request sets three keys and most requests write no line at the default level, so rendering on
// every set cost ~6% of the API's CPU.
import FlowModel
import Foundation
public import Logging

/// How log lines are written.
public enum LogFormat: String, Sendable, CaseIterable {
    /// swift-log's stream format: `<time> <level> <label>: <metadata> [<source>] <message>`.
    case text
    /// One JSON object per line.
    case json
}

/// A log handler writing to standard error, rendering metadata lazily.
public struct ServiceLogHandler: LogHandler {
    private let label: String
    private let output: Output
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    /// Where lines go.
    enum Output: Sendable {
        /// Through the stream handlers this makes (standard error; tests give a stream of their own).
        case text(@Sendable (_ label: String, _ provider: Logger.MetadataProvider?) -> StreamLogHandler)
        /// JSON lines, each handed whole to this (standard error; tests keep them).
        case json(@Sendable (_ line: [UInt8]) -> Void)
    }

    /// A handler for `label` writing to standard error in `format`.
    public init(label: String, format: LogFormat = .text) {
        switch format {
        case .text: self.init(label: label, output: .text(StreamLogHandler.standardError(label:metadataProvider:)))
        case .json: self.init(label: label, output: .json(Self.writeToStandardError))
        }
    }

    init(label: String, output: Output) {
        self.label = label
        self.output = output
    }

    /// A logger writing through this handler at `level`, in `format`.
    public static func logger(label: String = "tributary", level: Logger.Level, format: LogFormat = .text) -> Logger {
        var logger = Logger(label: label) { ServiceLogHandler(label: $0, format: format) }
        logger.logLevel = level
        return logger
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        switch output {
        case .text(let stream):
            var stream = stream(label, metadataProvider)
            stream.logLevel = logLevel
            stream.metadata = metadata
            stream.log(event: event)
        case .json(let write):
            var merged = metadata
            if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
            if let own = event.metadata { merged.merge(own) { $1 } }
            var line = Self.jsonLine(event: event, label: label, metadata: merged, at: Date())
            line.append(UInt8(ascii: "\n"))
            write(line)
        }
    }

    /// One line's object; the metadata's keys are members beside the line's own (which win).
    static func jsonLine(event: LogEvent, label: String, metadata: Logger.Metadata, at time: Date) -> [UInt8] {
        var members: [String: JSONValue] = metadata.mapValues(json)
        members["timestamp"] = .string(time.formatted(timestampStyle))
        members["level"] = .string(event.level.rawValue)
        members["label"] = .string(label)
        members["message"] = .string(event.message.description)
        return JSONValue.object(members).jsonBytes()
    }

    private static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    static func json(_ value: Logger.MetadataValue) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let item): .string(item.description)
        case .array(let items): .array(items.map(json))
        case .dictionary(let members): .object(members.mapValues(json))
        }
    }

    /// One write per line, so lines of several threads never interleave.
    @Sendable static func writeToStandardError(_ line: [UInt8]) {
        line.withUnsafeBytes { bytes in
            var written = 0
            while written < bytes.count {
                let result = Foundation.write(2, bytes.baseAddress! + written, bytes.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    return
                }
                written += result
            }
        }
    }
}
