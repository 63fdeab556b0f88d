// The service's log lines, in swift-log's stream format on standard error. Unlike the stream
// handler, metadata is rendered when a line is written rather than each time a key is set: every
// request sets three keys (request id, organization, sandbox) and most requests write no line at
// the default level, so rendering on every set cost ~6% of the API's CPU.
public import Logging

/// A log handler writing swift-log's stream format to standard error, rendering metadata lazily.
public struct ServiceLogHandler: LogHandler {
    private let label: String
    /// Where lines go (standard error; tests give a stream of their own).
    private let stream: @Sendable (_ label: String, _ provider: Logger.MetadataProvider?) -> StreamLogHandler
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    /// A handler for `label` writing to standard error.
    public init(label: String) {
        self.init(label: label, stream: StreamLogHandler.standardError(label:metadataProvider:))
    }

    /// A handler for `label` writing through the stream handlers `stream` makes.
    init(label: String, stream: @escaping @Sendable (_ label: String, _ provider: Logger.MetadataProvider?) -> StreamLogHandler) {
        self.label = label
        self.stream = stream
    }

    /// A logger writing through this handler at `level`.
    public static func logger(label: String = "tributary", level: Logger.Level) -> Logger {
        var logger = Logger(label: label) { ServiceLogHandler(label: $0) }
        logger.logLevel = level
        return logger
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var stream = stream(label, metadataProvider)
        stream.logLevel = logLevel
        stream.metadata = metadata
        stream.log(event: event)
    }
}
