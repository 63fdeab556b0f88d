// The limits of a CloudFetch read: how many result files are downloaded at once and how many bytes
// they may hold, how long one download may take and how often it is tried.
import Foundation

/// How the result files of a CloudFetch result (`URL_BASED_SET`) are downloaded.
public struct CloudFetchOptions: Sendable {
    /// Files downloaded (or downloaded and not yet read) at once.
    public var maximumConcurrentDownloads = 4
    /// Bytes of such files at most, by the sizes the server announces; one file larger than this is
    /// still read, alone.
    public var maximumBytesInFlight: Int64 = 256 << 20
    /// The largest result file accepted.
    public var maximumFileBytes = 1 << 30
    /// How long one download may take, from the request to its last byte.
    public var downloadTimeout: Duration = .seconds(120)
    /// How often a download that failed on the way (no connection, timeout, HTTP 5xx or 429) is tried again.
    public var retries = 3
    /// The first wait before a retry, doubled each time.
    public var retryBackoff: Duration = .milliseconds(500)
    /// A link that expires within this margin is exchanged for a fresh one before it is downloaded.
    public var expiryMargin: Duration = .seconds(30)
    /// How often the links of one file are exchanged for fresh ones (expired, or refused with 401/403).
    public var refreshes = 3
    /// Checks a link's destination before every download (the service's host policy); the URL is a
    /// secret and must not be logged or put in an error.
    public var checkDestination: (@Sendable (URL) async throws(DatabricksSQLError) -> Void)?

    /// The defaults: 4 files and 256 MiB at once, 120 s per download, 3 retries.
    public init() {}
}
