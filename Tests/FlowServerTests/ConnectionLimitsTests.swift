// Limits on HTTP connections, against a real listening server: clients that send half a request, trickle
// headers or a body, send heads the parser refuses, or open more connections than the server serves
// get a clear answer or a closed connection, never a slot held for good.
import FlowModel
import FlowServer
import Foundation
import HummingbirdTesting
import Testing

@Suite("HTTP connection limits")
struct ConnectionLimitsTests {
    /// A live service with one limit set, and its port.
    func withServer(
        _ setting: WritableKeyPath<ConnectionLimits, Int>? = nil,
        _ value: Int = 0,
        _ body: @Sendable (Int) async throws -> Void
    ) async throws {
        nonisolated(unsafe) let setting = setting
        let service = try await TestService.make { configuration in
            if let setting { configuration.connections[keyPath: setting] = value }
        }
        try await service.testLive { client in try await body(try #require(client.port)) }
    }

    @Test func halfARequestLineIsClosedAtTheIdleTimeout() async throws {
        try await withServer(\.idleTimeoutSeconds, 1) { port in
            let connection = try RawConnection(port: port)
            connection.send("GET /hea")
            let started = ContinuousClock.now
            let answer = await connection.readUntilClosed(within: .seconds(10))
            #expect(answer.closed && answer.text.isEmpty, "closed without an answer")
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    @Test func headersTrickledByteByByteAreCutOffAtTheIdleTimeout() async throws {
        try await withServer(\.idleTimeoutSeconds, 1) { port in
            let connection = try RawConnection(port: port)
            let started = ContinuousClock.now
            var sent = 0
            // One byte every 200 ms of an endless header: the head never completes.
            connection.send("GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            while ContinuousClock.now - started < .seconds(8) {
                guard connection.send("a") else { break }
                sent += 1
                try await Task.sleep(for: .milliseconds(200))
            }
            let answer = await connection.readUntilClosed(within: .seconds(5))
            #expect(answer.closed)
            #expect(sent < 30, "the server closed the connection after about a second (\(sent) bytes trickled)")
        }
    }

    @Test func aBodyThatDoesNotArriveInTimeIsAnsweredWith408() async throws {
        try await withServer(\.bodyTimeoutSeconds, 1) { port in
            let connection = try RawConnection(port: port)
            connection.send(
                "POST /ims/token/v3 HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type"
            )
            let answer = await connection.readUntilClosed(within: .seconds(10))
            #expect(answer.status == 408 && answer.closed)
            #expect(answer.body?["type"] == "https://ns.adobe.com/aep/errors/FLOW-1100-408")
            #expect(answer.header("x-request-id") != nil && answer.header("x-request-id") == answer.body?["report"]?["request-id"]?.stringValue)
        }
    }

    @Test func headsTheParserRefusesGetAFlowErrorBody() async throws {
        try await withServer { port in
            let large = try RawConnection(port: port)
            large.send("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "b", count: 100_000))\r\n\r\n")
            let tooLarge = await large.readUntilClosed(within: .seconds(10))
            #expect(tooLarge.status == 431 && tooLarge.closed)
            #expect(tooLarge.body?["type"] == "https://ns.adobe.com/aep/errors/FLOW-1100-431")
            #expect(tooLarge.header("x-request-id") != nil && tooLarge.header("content-type") == "application/json")

            let garbage = try RawConnection(port: port)
            garbage.send("NOT HTTP AT ALL\r\n\r\n")
            let invalid = await garbage.readUntilClosed(within: .seconds(10))
            #expect(invalid.status == 400 && invalid.body?["type"] == "https://ns.adobe.com/aep/errors/FLOW-1100-400")
            #expect(invalid.header("x-request-id") != nil)
        }
    }

    @Test func connectionsOverTheLimitAreRefusedWith503UntilOneCloses() async throws {
        // HummingbirdTesting's live client holds one connection from the start; three raw ones fill the rest.
        try await withServer(\.maximumConnections, 4) { port in
            // Three clients hold their connections (each served once, then idle on keep-alive).
            var held: [RawConnection] = []
            for _ in 0..<3 {
                let connection = try RawConnection(port: port)
                connection.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(await connection.readResponse(within: .seconds(10)).status == 200)
                held.append(connection)
            }
            let fourth = try RawConnection(port: port)
            fourth.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            let refused = await fourth.readUntilClosed(within: .seconds(10))
            #expect(refused.status == 503 && refused.closed && refused.header("retry-after") == "1")
            #expect(refused.body?["type"] == "https://ns.adobe.com/aep/errors/FLOW-1103-503")

            // One client leaves: a new connection is served again.
            held.removeFirst().close()
            var served = false
            let deadline = ContinuousClock.now + .seconds(10)
            while !served && ContinuousClock.now < deadline {
                let next = try RawConnection(port: port)
                next.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                served = await next.readUntilClosed(within: .seconds(10)).status == 200
                if !served { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(served)
            for connection in held { connection.close() }
        }
    }
}
