// Loads the recorded Databricks traffic (WireMock JSON with base64 Thrift bodies) and the local
// Spark Thrift Server captures from ../shared/fixtures.
import Foundation
import Testing
import Thrift

@testable import DatabricksSQL

enum SharedFixtures {
    static let directory: URL? = {
        if let override = ProcessInfo.processInfo.environment["TRIBUTARY_SHARED_FIXTURES"] { return URL(fileURLWithPath: override) }
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        let candidate = url.deletingLastPathComponent().appendingPathComponent("shared/fixtures")
        return FileManager.default.fileExists(atPath: candidate.path) ? candidate : nil
    }()
    static var isAvailable: Bool { directory != nil }
    static let skip = Comment(rawValue: "../shared/fixtures is not beside this checkout; recorded-traffic suites skipped")
}

/// One recorded exchange.
struct RecordedExchange {
    var folder: String
    var method: String
    var request: [UInt8]
    var status: Int
    var response: [UInt8]
    var headers: [String: String]
    var order: Int
}

enum Recordings {
    /// Every exchange of the Databricks JDBC recordings, by test folder.
    static let all: [RecordedExchange] = {
        guard let root = SharedFixtures.directory?.appendingPathComponent("databricks-jdbc-recordings") else { return [] }
        var result: [RecordedExchange] = []
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        for file in files where file.pathExtension == "json" {
            guard let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
            // Two recordings carry `// gitleaks:allow` comments after a value: JSON with comments.
            let cleaned = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
                guard let range = line.range(of: ", // ") else { return line }
                return line[..<range.lowerBound] + ","
            }.joined(separator: "\n")
            guard let object = try? JSONSerialization.jsonObject(with: Data(cleaned.utf8)) as? [String: Any],
                let request = object["request"] as? [String: Any], let response = object["response"] as? [String: Any]
            else { continue }
            let patterns = request["bodyPatterns"] as? [[String: Any]] ?? []
            let requestBody = patterns.compactMap { $0["binaryEqualTo"] as? String }.first.flatMap { Data(base64Encoded: $0) } ?? Data()
            let responseBody =
                (response["base64Body"] as? String).flatMap { Data(base64Encoded: $0) }
                ?? Data(((response["body"] as? String) ?? "").utf8)
            var headers: [String: String] = [:]
            for (key, value) in response["headers"] as? [String: Any] ?? [:] {
                headers[key.lowercased()] = (value as? String) ?? (value as? [String])?.first
            }
            var method = ""
            var reader = ThriftBinaryReader(Array(requestBody))
            if let header = try? reader.readMessageBegin() { method = header.name }
            let folder = file.deletingLastPathComponent().deletingLastPathComponent().lastPathComponent
            result.append(
                RecordedExchange(
                    folder: folder,
                    method: method,
                    request: Array(requestBody),
                    status: response["status"] as? Int ?? 0,
                    response: Array(responseBody),
                    headers: headers,
                    order: object["insertionIndex"] as? Int ?? 0
                )
            )
        }
        return result.sorted { ($0.folder, $0.order) < ($1.folder, $1.order) }
    }()

    static func exchanges(_ folder: String, method: String? = nil) -> [RecordedExchange] {
        all.filter { $0.folder == folder && (method == nil || $0.method == method) }
    }

    /// The statement text of an ExecuteStatement request.
    static func statement(of exchange: RecordedExchange) -> String? {
        guard let tree = try? ThriftTree.message(exchange.request) else { return nil }
        return tree.field(1)?.field(2)?.string
    }

    /// The ExecuteStatement exchange whose statement contains `text` and that returned rows.
    static func query(_ folder: String, containing text: String) throws -> OperationStartResponse {
        let candidates = exchanges(folder, method: "ExecuteStatement").filter { statement(of: $0)?.contains(text) == true }
        for exchange in candidates {
            let response = try ThriftCall.decodeReply(exchange.response, method: "ExecuteStatement", sequenceId: nil) {
                (reader: inout ThriftBinaryReader) throws(ThriftError) in try OperationStartResponse(from: &reader)
            }
            if response.directResults?.resultSet?.results?.columns.isEmpty == false { return response }
        }
        throw RecordingMissing(what: "\(folder): \(text)")
    }

    struct RecordingMissing: Error { var what: String }
}

/// A generic decoded Thrift value, for comparing requests field by field.
indirect enum ThriftTree: Equatable {
    case scalar([UInt8])
    case structure([Int16: ThriftTree])
    case list([ThriftTree])
    case map([ThriftTree])

    static func message(_ bytes: [UInt8]) throws -> ThriftTree {
        var reader = ThriftBinaryReader(bytes)
        _ = try reader.readMessageBegin()
        return try read(.struct, &reader)
    }

    static func read(_ type: ThriftType, _ reader: inout ThriftBinaryReader) throws -> ThriftTree {
        switch type {
        case .struct:
            var fields: [Int16: ThriftTree] = [:]
            while true {
                let header = try reader.readFieldBegin()
                if header.type == .stop { return .structure(fields) }
                fields[header.id] = try read(header.type, &reader)
            }
        case .list, .set:
            let (elementType, count) = try reader.readListBegin()
            return .list(try (0..<count).map { _ in try read(elementType, &reader) })
        case .map:
            let (keyType, valueType, count) = try reader.readMapBegin()
            var entries: [ThriftTree] = []
            for _ in 0..<count {
                entries.append(try read(keyType, &reader))
                entries.append(try read(valueType, &reader))
            }
            return .map(entries)
        case .binary: return .scalar(try reader.readBinary())
        case .bool: return .scalar([try reader.readBool() ? 1 : 0])
        case .i8: return .scalar([UInt8(bitPattern: try reader.readI8())])
        case .i16: return .scalar(withUnsafeBytes(of: try reader.readI16().bigEndian, Array.init))
        case .i32: return .scalar(withUnsafeBytes(of: try reader.readI32().bigEndian, Array.init))
        case .i64, .double: return .scalar(withUnsafeBytes(of: try reader.readI64().bigEndian, Array.init))
        case .uuid, .stop: throw ThriftError(.unknownType, "unexpected type")
        }
    }

    func field(_ id: Int16) -> ThriftTree? {
        guard case .structure(let fields) = self else { return nil }
        return fields[id]
    }

    var string: String? {
        guard case .scalar(let bytes) = self else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether every field of `self` is in `other` with the same value (other may have more).
    func isSubset(of other: ThriftTree) -> Bool {
        switch (self, other) {
        case (.structure(let mine), .structure(let theirs)):
            return mine.allSatisfy { id, value in theirs[id].map { value.isSubset(of: $0) } ?? false }
        default:
            return self == other
        }
    }
}
