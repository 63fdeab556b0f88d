// CloudFetch end to end against scripts/databricks-endpoint/cloudfetch.py: a Databricks SQL endpoint
// whose Thrift replies Apache Thrift's Python library encodes (the TCLIService types of the Databricks
// SQL Connector for Python) and whose result files pyarrow writes and python-lz4 frames, served over
// HTTPS. Each statement is a JSON description of the result and of how the endpoint misbehaves;
// GET /debug/<tag> tells what the driver fetched and downloaded. Every file's link carries headers
// the endpoint insists on, and the endpoint refuses a download that brings the workspace token.
import AsyncHTTPClient
import Foundation
import NIOCore
import TestSupport
import Testing

@testable import DatabricksSQL

enum CloudFetchEndpoint {
    static let port = Int(ProcessInfo.processInfo.environment["TRIBUTARY_CLOUDFETCH_PORT"] ?? "") ?? 10445
    static var isAvailable: Bool { DatabricksEndpoint.isAvailable }

    static func withSession<T: Sendable>(_ body: @escaping @Sendable (SQLSession, HTTPClient) async throws -> T) async throws -> T {
        let http = try DatabricksEndpoint.httpClient()
        do {
            let endpoint = try SQLEndpoint.databricks(
                domain: "https://127.0.0.1:\(port)",
                clusterId: DatabricksEndpoint.cluster,
                accessToken: DatabricksEndpoint.token,
                httpPath: "/sql/protocolv1/o/\(DatabricksEndpoint.workspace)/\(DatabricksEndpoint.cluster)"
            )
            let client = DatabricksSQLClient(endpoint: endpoint, httpClient: http, retryPolicy: .interactive)
            let result = try await client.withSession { session in try await body(session, http) }
            try await http.shutdown()
            return result
        } catch {
            try await http.shutdown()
            throw error
        }
    }

    /// A unique tag and the statement describing a result.
    static func statement(_ spec: [String: Any]) -> (tag: String, sql: String) {
        let tag = UUID().uuidString
        var spec = spec
        spec["tag"] = tag
        let data = try! JSONSerialization.data(withJSONObject: spec, options: [.sortedKeys])
        return (tag, String(decoding: data, as: UTF8.self))
    }

    /// What the endpoint saw of the statement tagged `tag`.
    struct Debug: Decodable {
        var fetches: [Int64]
        var gets: [[Int]]
        var maxConcurrentDownloads: Int
        var closed: Bool
        var cloudFetch: Bool
    }

    static func debug(_ tag: String, _ http: HTTPClient) async throws -> Debug {
        let response = try await http.execute(HTTPClientRequest(url: "https://127.0.0.1:\(port)/debug/\(tag)"), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return try JSONDecoder().decode(Debug.self, from: Data(buffer: body))
    }

    static func options(_ change: (inout CloudFetchOptions) -> Void = { _ in }) -> StatementOptions {
        var options = StatementOptions(batchSize: 1000)
        var cloudFetch = CloudFetchOptions()
        cloudFetch.retryBackoff = .milliseconds(50)
        change(&cloudFetch)
        options.cloudFetch = cloudFetch
        return options
    }

    /// Every row of a result, and the ids in the order they came.
    static func read(_ session: SQLSession, _ sql: String, _ options: StatementOptions) async throws -> (rows: [[SQLValue]], ids: [Int64]) {
        var rows: [[SQLValue]] = []
        var ids: [Int64] = []
        for try await batch in try await session.execute(sql, options: options) {
            for index in 0..<batch.rowCount {
                let row = batch.row(index)
                if case .int64(let id) = row[0] { ids.append(id) }
                rows.append(row)
            }
        }
        return (rows, ids)
    }

    /// The row the endpoint writes for `id`.
    static func expected(_ id: Int64) -> [SQLValue] {
        let cents = id * 125
        let amount = SQLDecimal(text: "\(cents / 100).\(String(format: "%02d", cents % 100))", precision: 18, scale: 2)
        let maybe: SQLValue = id % 3 == 0 ? .null : .int32(Int32(id % 1000))
        let at: Int64 = 1_700_000_000_000_000 + id * 1_000_000
        return [.int64(id), .string("row-\(id)"), .decimal(amount), .timestamp(at), maybe, .string("")]
    }
}

@Suite("CloudFetch", .serialized, .enabled(if: CloudFetchEndpoint.isAvailable, DatabricksEndpoint.skip), .liveServers)
struct CloudFetchTests {
    @Test func filesListedAndFinishedOutOfOrderArriveInRowOrderEveryValueExact() async throws {
        // Each page lists its links backwards, and the first and fourth files are slow to come.
        let (tag, sql) = CloudFetchEndpoint.statement([
            "files": 7, "rowsPerFile": 1000, "linksPerPage": 3, "shuffle": true, "slow": ["0": 0.4, "3": 0.3],
        ])
        let (read, debug) = try await CloudFetchEndpoint.withSession { session, http in
            (try await CloudFetchEndpoint.read(session, sql, CloudFetchEndpoint.options()), try await CloudFetchEndpoint.debug(tag, http))
        }
        #expect(read.ids == Array(0..<7000))
        #expect(read.rows == (0..<7000).map(CloudFetchEndpoint.expected))
        #expect(debug.cloudFetch)
        #expect(debug.fetches == [0, 3000, 6000], "links are asked for by row offset, a page at a time")
        #expect(debug.gets.count == 7 && debug.gets.allSatisfy { $0[2] == 200 })
        #expect(debug.maxConcurrentDownloads > 1, "files are downloaded in parallel")
        #expect(debug.closed)
    }

    @Test func withCloudFetchOffTheSameRowsComeInline() async throws {
        let spec: [String: Any] = ["files": 3, "rowsPerFile": 700, "lz4": false]
        let (offTag, offSQL) = CloudFetchEndpoint.statement(spec)
        let (onTag, onSQL) = CloudFetchEndpoint.statement(spec)
        var inline = StatementOptions(batchSize: 700)
        inline.cloudFetch = nil
        let (off, on, offDebug, onDebug) = try await CloudFetchEndpoint.withSession { [inline] session, http in
            let off = try await CloudFetchEndpoint.read(session, offSQL, inline)
            let on = try await CloudFetchEndpoint.read(session, onSQL, CloudFetchEndpoint.options())
            return (off.rows, on.rows, try await CloudFetchEndpoint.debug(offTag, http), try await CloudFetchEndpoint.debug(onTag, http))
        }
        #expect(!offDebug.cloudFetch && offDebug.gets.isEmpty, "without canDownloadResult the rows come in Arrow batches inline")
        #expect(onDebug.cloudFetch && onDebug.gets.count == 3)
        #expect(off == on)
        #expect(on == (0..<2100).map(CloudFetchEndpoint.expected))
    }

    @Test func theFirstLinksMayComeWithTheStatementsReply() async throws {
        let (tag, sql) = CloudFetchEndpoint.statement(["files": 5, "rowsPerFile": 400, "linksPerPage": 2, "direct": true])
        let (read, debug) = try await CloudFetchEndpoint.withSession { session, http in
            (try await CloudFetchEndpoint.read(session, sql, CloudFetchEndpoint.options()), try await CloudFetchEndpoint.debug(tag, http))
        }
        #expect(read.ids == Array(0..<2000))
        #expect(debug.fetches == [0, 800, 1600], "the direct results' page (from row 0) is not asked for again")
    }

    @Test func anExpiredLinkIsExchangedForAFreshOneBeforeItIsDownloaded() async throws {
        // Expiry in milliseconds here (the .NET driver's reading); the other tests send seconds.
        let (tag, sql) = CloudFetchEndpoint.statement(["files": 4, "rowsPerFile": 500, "linksPerPage": 4, "expired": [1], "millis": true])
        let (read, debug) = try await CloudFetchEndpoint.withSession { session, http in
            (try await CloudFetchEndpoint.read(session, sql, CloudFetchEndpoint.options()), try await CloudFetchEndpoint.debug(tag, http))
        }
        #expect(read.ids == Array(0..<2000))
        #expect(debug.fetches == [0, 500], "fresh links are asked for from the expired file's first row")
        #expect(!debug.gets.contains { $0[0] == 1 && $0[1] == 0 }, "the expired link itself is never used")
        #expect(debug.gets.contains { $0 == [1, 1, 200] })
    }

    @Test func aLinkStorageRefusesIsRefreshedAndAServerErrorRetried() async throws {
        let (tag, sql) = CloudFetchEndpoint.statement(["files": 4, "rowsPerFile": 500, "linksPerPage": 4, "forbidOnce": [0], "failOnce": [2]])
        let (read, debug) = try await CloudFetchEndpoint.withSession { session, http in
            (try await CloudFetchEndpoint.read(session, sql, CloudFetchEndpoint.options()), try await CloudFetchEndpoint.debug(tag, http))
        }
        #expect(read.ids == Array(0..<2000))
        #expect(debug.gets.filter { $0[0] == 0 } == [[0, 0, 403], [0, 1, 200]], "a 403 is answered with a fresh link")
        #expect(debug.gets.filter { $0[0] == 2 } == [[2, 0, 500], [2, 0, 200]], "a 500 is retried with the same link")
        #expect(debug.fetches == [0, 0])
    }

    @Test func aDownloadThatNeverAnswersIsAbandonedAfterItsTimeoutAndTriedAgain() async throws {
        let (tag, sql) = CloudFetchEndpoint.statement(["files": 3, "rowsPerFile": 500, "hangOnce": [1]])
        let started = ContinuousClock.now
        let (read, debug) = try await CloudFetchEndpoint.withSession { session, http in
            let options = CloudFetchEndpoint.options { $0.downloadTimeout = .seconds(1) }
            return (try await CloudFetchEndpoint.read(session, sql, options), try await CloudFetchEndpoint.debug(tag, http))
        }
        #expect(read.ids == Array(0..<1500))
        #expect(debug.gets.filter { $0[0] == 1 }.count == 2)
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func aFileThatNeverComesFailsTheReadWithItsRowsAndNoLink() async throws {
        let (tag, sql) = CloudFetchEndpoint.statement(["files": 3, "rowsPerFile": 500, "hangAlways": [1]])
        let started = ContinuousClock.now
        let (failure, debug) = try await CloudFetchEndpoint.withSession { session, http in
            let options = CloudFetchEndpoint.options {
                $0.downloadTimeout = .seconds(1)
                $0.retries = 1
            }
            var failure: DatabricksSQLError?
            do {
                _ = try await CloudFetchEndpoint.read(session, sql, options)
            } catch let error as DatabricksSQLError {
                failure = error
            }
            return (failure, try await CloudFetchEndpoint.debug(tag, http))
        }
        let error = try #require(failure)
        #expect(error.code == .connection)
        #expect(error.message.contains("rows 500–999") && error.message.contains("127.0.0.1"))
        #expect(!error.description.contains("sig=") && !error.description.contains("https://"), "the presigned link is a secret: \(error)")
        #expect(debug.gets.filter { $0[0] == 1 }.count == 2)
        #expect(debug.closed, "the operation is closed after the failure")
        #expect(ContinuousClock.now - started < .seconds(15))
    }

    @Test func fiftyFilesOfTwentyMegabytesStreamWithBoundedMemory() async throws {
        // 50 files of 20,000 rows with a kilobyte of incompressible text each: about 1 GB in all.
        let (tag, sql) = CloudFetchEndpoint.statement(["files": 50, "rowsPerFile": 20_000, "payloadBytes": 1000, "linksPerPage": 8])
        let ((count, debug), growth) = try await ProcessMemory.peakGrowth {
            try await CloudFetchEndpoint.withSession { session, http in
                var options = CloudFetchEndpoint.options {
                    $0.maximumConcurrentDownloads = 4
                    $0.maximumBytesInFlight = 64 << 20
                }
                options.batchSize = 20_000
                var count = 0
                var next: Int64 = 0
                for try await batch in try await session.execute(sql, options: options) {
                    #expect(batch.startRowOffset == next)
                    #expect(batch.value(row: 0, column: 0) == .int64(next))
                    next += Int64(batch.rowCount)
                    count += batch.rowCount
                }
                return (count, try await CloudFetchEndpoint.debug(tag, http))
            }
        }
        #expect(count == 1_000_000)
        #expect(debug.maxConcurrentDownloads <= 4)
        #expect(growth < 450 << 20, "peak RSS grew by \(growth >> 20) MiB while reading ~1 GB of result files")
    }

    @Test func stoppingEarlyClosesTheOperationAndStopsTheDownloads() async throws {
        let (tag, sql) = CloudFetchEndpoint.statement(["files": 20, "rowsPerFile": 500, "linksPerPage": 20, "slow": ["3": 2]])
        let debug = try await CloudFetchEndpoint.withSession { session, http in
            let rows = try await session.execute(sql, options: CloudFetchEndpoint.options()).rows(limit: 600)
            #expect(rows.count == 600)
            return try await CloudFetchEndpoint.debug(tag, http)
        }
        #expect(debug.closed)
        #expect(debug.gets.count < 20, "files past the limit are not all downloaded")
    }
}
