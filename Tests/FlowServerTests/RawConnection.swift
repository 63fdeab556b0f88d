// A plain TCP client for the tests that must misbehave as no HTTP client library would: half a
// request line, headers trickled byte by byte, a body that never arrives, heads the parser refuses.
// Reads block on a thread of their own, never on the concurrency pool the server's tests share.
import FlowModel
import Foundation

#if canImport(Glibc)
import Glibc
#endif

final class RawConnection: @unchecked Sendable {
    private let socket: Int32

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let code = errno
            Glibc.close(socket)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
    }

    deinit { Glibc.close(socket) }

    /// Sends `text`; false when the server has closed or reset the connection.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    /// Stops sending (the server sees the end of the connection).
    func close() { shutdown(socket, Int32(SHUT_RDWR)) }

    /// Everything the server sends until it closes the connection, or until `limit` passes.
    func readUntilClosed(within limit: Duration) async -> RawAnswer {
        await read(within: limit) { _ in false }
    }

    /// The server's first complete response (head and `Content-Length` body), without waiting for a close.
    func readResponse(within limit: Duration) async -> RawAnswer {
        await read(within: limit) { RawAnswer(bytes: $0, closed: false).isComplete }
    }

    private func read(within limit: Duration, until done: @escaping @Sendable ([UInt8]) -> Bool) async -> RawAnswer {
        let socket = self.socket
        let milliseconds = Int(limit.components.seconds * 1000 + limit.components.attoseconds / 1_000_000_000_000_000)
        return await withCheckedContinuation { continuation in
            Thread {
                var received: [UInt8] = []
                var closed = false
                let deadline = Date().addingTimeInterval(Double(milliseconds) / 1000)
                var buffer = [UInt8](repeating: 0, count: 65536)
                while !done(received) {
                    let remaining = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
                    if remaining == 0 { break }
                    var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
                    guard poll(&descriptor, 1, min(remaining, 100)) >= 0 else { break }
                    if descriptor.revents == 0 { continue }
                    let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
                    if count <= 0 {
                        closed = true
                        break
                    }
                    received += buffer[0..<count]
                }
                continuation.resume(returning: RawAnswer(bytes: received, closed: closed))
            }.start()
        }
    }
}

/// What the server sent on a raw connection.
struct RawAnswer: Sendable {
    var bytes: [UInt8]
    /// Whether the server closed (or reset) the connection.
    var closed: Bool

    var text: String { String(decoding: bytes, as: UTF8.self) }

    private var head: (lines: [Substring], bodyStart: Int)? {
        guard let end = text.range(of: "\r\n\r\n") else { return nil }
        return (text[..<end.lowerBound].split(separator: "\r\n"), text.utf8.distance(from: text.startIndex, to: end.upperBound))
    }

    /// The status of the first response.
    var status: Int? { head?.lines.first.flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) } }

    /// A header of the first response (names compared without case).
    func header(_ name: String) -> String? {
        head?.lines.dropFirst().compactMap { line -> String? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == name.lowercased() else { return nil }
            return parts[1].trimmingCharacters(in: .whitespaces)
        }.first
    }

    var isComplete: Bool {
        guard let head, let length = header("content-length").flatMap(Int.init) else { return false }
        return bytes.count >= head.bodyStart + length
    }

    /// The first response's body as JSON.
    var body: JSONValue? {
        guard let head, let length = header("content-length").flatMap(Int.init), bytes.count >= head.bodyStart + length else { return nil }
        return try? JSONValue(parsing: bytes[head.bodyStart..<(head.bodyStart + length)])
    }
}
