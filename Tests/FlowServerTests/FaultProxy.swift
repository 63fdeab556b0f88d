// A TCP proxy in front of the live Spark Thrift Server that a test can break: `cut()` closes every
// open connection mid-stream, while `isDown` new connections are closed as soon as they are
// accepted — what a server that died looks like to its clients — and while `isSilent` they are
// accepted and never answered, like a host that vanished behind a firewall; `delayAnswers` makes the
// next answers come late, like a source thinking. Blocking sockets on threads: it
// carries a few connections at test speed, nothing more.
import Foundation

#if canImport(Glibc)
import Glibc
#endif

final class FaultProxy: @unchecked Sendable {
    /// The port it listens on (127.0.0.1).
    let port: Int
    private let upstreamPort: UInt16
    private let listener: Int32
    private let lock = NSLock()
    private var open: Set<Int32> = []
    private var down = false
    private var silent = false
    private var delayed = 0
    private var delay: TimeInterval = 0
    private var held: [Int32] = []
    private var stopped = false

    init(upstreamPort: Int) throws {
        self.upstreamPort = UInt16(upstreamPort)
        let listening = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(listening, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listening, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listening, 64) == 0 else { throw FlowTestFailure(message: "the fault proxy cannot listen") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listening, $0, &length) } }
        listener = listening
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    /// Whether new connections are refused (closed at once).
    var isDown: Bool {
        get { lock.withLock { down } }
        set { lock.withLock { down = newValue } }
    }

    /// Whether new connections are held open without an answer.
    var isSilent: Bool {
        get { lock.withLock { silent } }
        set { lock.withLock { silent = newValue } }
    }

    /// Passes the first bytes of the next `count` answers (to whatever the client sent) on `seconds` late.
    func delayAnswers(_ count: Int, by seconds: TimeInterval) {
        lock.withLock {
            delayed = count
            delay = seconds
        }
    }

    /// How late the answer about to be passed on is: an answer of the ones delayed, or none.
    private func takeDelay() -> TimeInterval {
        lock.withLock {
            guard delayed > 0 else { return 0 }
            delayed -= 1
            return delay
        }
    }

    /// Connections held silent on which the client sent something: requests left unanswered (a
    /// connection opened but never used is not one).
    var requestsHeld: Int {
        lock.withLock { held }.filter { socket in
            var byte: UInt8 = 0
            return recv(socket, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) > 0
        }.count
    }

    /// Closes every open connection.
    func cut() {
        let sockets = lock.withLock { open }
        for socket in sockets { shutdown(socket, Int32(SHUT_RDWR)) }
    }

    /// Stops listening and closes everything.
    func stop() {
        let silentOnes = lock.withLock {
            stopped = true
            defer { held = [] }
            return held
        }
        for socket in silentOnes { close(socket) }
        cut()
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if lock.withLock({ stopped }) { return }
                continue
            }
            let (isDown, isSilent) = lock.withLock { (down, silent) }
            if isDown {
                close(client)
                continue
            }
            if isSilent {
                lock.withLock { held.append(client) }
                continue
            }
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: upstreamPort)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else {
                close(client)
                close(upstream)
                continue
            }
            lock.withLock {
                open.insert(client)
                open.insert(upstream)
            }
            let exchange = Exchange()
            Thread.detachNewThread { [self] in pump(from: client, to: upstream, exchange: exchange, answering: false) }
            Thread.detachNewThread { [self] in pump(from: upstream, to: client, exchange: exchange, answering: true) }
        }
    }

    /// Whether the client asked something the server has not begun to answer.
    private final class Exchange: @unchecked Sendable {
        let lock = NSLock()
        var asked = false
    }

    private func pump(from source: Int32, to destination: Int32, exchange: Exchange, answering: Bool) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            let firstOfAnswer = exchange.lock.withLock {
                defer { exchange.asked = !answering }
                return answering && exchange.asked
            }
            if firstOfAnswer, case let delay = takeDelay(), delay > 0 { Thread.sleep(forTimeInterval: delay) }
            var written = 0
            while written < count {
                let result = buffer.withUnsafeBytes { send(destination, $0.baseAddress! + written, count - written, Int32(MSG_NOSIGNAL)) }
                if result <= 0 { break }
                written += result
            }
            if written < count { break }
        }
        shutdown(destination, Int32(SHUT_RDWR))
        shutdown(source, Int32(SHUT_RDWR))
        lock.withLock {
            if open.remove(source) != nil { close(source) }
        }
    }
}
