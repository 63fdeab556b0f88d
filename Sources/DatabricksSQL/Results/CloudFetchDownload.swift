// One CloudFetch result file: a GET of a presigned URL with the headers the server named, bounded
// in time and size, retried when the failure is on the way (connection, timeout, 5xx, 429). The
// URL is a secret: errors name the file's rows and host, never the link.
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

enum CloudFetchDownload {
    /// Why a download gave up.
    enum Failure: Error {
        /// The link expired, or storage refused it (401/403): a fresh link may work.
        case expired
        /// Anything else, final.
        case failed(DatabricksSQLError)
    }

    /// The bytes of the file behind `link`.
    static func bytes(of link: ResultLink, client: HTTPClient, options: CloudFetchOptions) async throws(Failure) -> [UInt8] {
        guard let url = URL(string: link.fileLink), url.scheme?.lowercased() == "https", let host = url.host, !host.isEmpty else {
            throw .failed(DatabricksSQLError(.protocolViolation, "the CloudFetch link for \(rows(link)) is not an HTTPS URL"))
        }
        if let check = options.checkDestination {
            do {
                try await check(url)
            } catch {
                throw .failed(error)
            }
        }
        var backoff = options.retryBackoff
        var lastProblem = ""
        for tryNumber in 0...max(options.retries, 0) {
            if tryNumber > 0 {
                do {
                    try await Task.sleep(for: backoff)
                } catch {
                    throw .failed(DatabricksSQLError(.cancelled, "downloading \(rows(link)) was cancelled"))
                }
                backoff = backoff * 2
            }
            if isExpiring(link, margin: .zero) { throw .expired }
            switch await download(link, url: url, client: client, options: options) {
            case .bytes(let bytes):
                return bytes
            case .refused:
                throw .expired
            case .final(let error):
                throw .failed(error)
            case .transient(let problem):
                lastProblem = problem
            }
        }
        throw .failed(
            DatabricksSQLError(.connection, "cannot download \(rows(link)) from \(host): \(lastProblem) (tried \(max(options.retries, 0) + 1) times)")
        )
    }

    /// Whether `link` expires within `margin` from now.
    static func isExpiring(_ link: ResultLink, margin: Duration) -> Bool {
        link.expiry.timeIntervalSinceNow <= Double(margin.components.seconds) + Double(margin.components.attoseconds) / 1e18
    }

    /// "rows 0–999 of the result".
    static func rows(_ link: ResultLink) -> String {
        "the result file of rows \(link.startRowOffset)–\(link.endRowOffset - 1)"
    }

    private enum Outcome: Sendable {
        case bytes([UInt8])
        case refused
        case transient(String)
        case final(DatabricksSQLError)
    }

    private static func download(_ link: ResultLink, url: URL, client: HTTPClient, options: CloudFetchOptions) async -> Outcome {
        var request = HTTPClientRequest(url: link.fileLink)
        request.method = .GET
        for (name, value) in link.httpHeaders where !name.contains("\n") && !value.contains("\n") {
            request.headers.add(name: name, value: value)
        }
        let limit = options.maximumFileBytes
        let host = url.host ?? "storage"
        let get = request
        do {
            return try await withThrowingTaskGroup(of: Outcome?.self) { group in
                group.addTask {
                    let response = try await client.execute(get, timeout: .seconds(Int64(max(options.downloadTimeout.components.seconds, 1))))
                    switch response.status.code {
                    case 200:
                        var buffer = try await response.body.collect(upTo: limit)
                        return .bytes(buffer.readBytes(length: buffer.readableBytes) ?? [])
                    case 401, 403:
                        return .refused
                    case 408, 429, 500...599:
                        return .transient("HTTP \(response.status.code)")
                    default:
                        return .final(
                            DatabricksSQLError(
                                .httpStatus,
                                "cannot download \(rows(link)) from \(host): HTTP \(response.status.code)",
                                httpStatus: Int(response.status.code)
                            )
                        )
                    }
                }
                group.addTask {
                    try await Task.sleep(for: options.downloadTimeout)
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                return first ?? .transient("no answer within \(options.downloadTimeout)")
            }
        } catch is NIOTooManyBytesError {
            return .final(DatabricksSQLError(.protocolViolation, "\(rows(link)) is larger than \(limit) bytes"))
        } catch let error where error is CancellationError || (error as? HTTPClientError) == .cancelled {
            if Task.isCancelled { return .final(DatabricksSQLError(.cancelled, "downloading \(rows(link)) was cancelled")) }
            return .transient("the download was cancelled")
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            return .transient("no answer within \(options.downloadTimeout)")
        } catch {
            if Task.isCancelled { return .final(DatabricksSQLError(.cancelled, "downloading \(rows(link)) was cancelled")) }
            return .transient(describe(error))
        }
    }

    /// An error's words without any URL in them (AsyncHTTPClient's errors can carry the request's).
    private static func describe(_ error: any Error) -> String {
        let text = ThriftHTTPTransport.describe(error)
        guard let range = text.range(of: "https://") ?? text.range(of: "http://") else { return text }
        return String(text[..<range.lowerBound]) + "…"
    }
}
