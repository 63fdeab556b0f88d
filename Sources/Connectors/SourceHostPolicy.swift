// Which hosts Tributary may connect to on a client's behalf. A connection's host comes from an API
// caller, so without a rule the service could be aimed at cloud metadata endpoints or internal
// services (SSRF). Databricks connections must name a Databricks workspace over https; self-hosted
// Spark servers must resolve to public addresses; the operator allow-lists anything else.
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The rule for outbound source connections.
public struct SourceHostPolicy: Sendable, Hashable {
    /// One allow-list entry: `host`, `host:port` or `*.domain`.
    public struct Entry: Sendable, Hashable {
        /// The host (lower-cased), or the domain after `*.`.
        public var host: String
        /// The only port allowed, when the entry names one.
        public var port: Int?
        /// Whether the entry allows every host under `host`.
        public var isWildcard: Bool

        /// Parses an entry; `nil` when it is not one.
        public init?(_ text: String) {
            var text = text.trimmingCharacters(in: .whitespaces).lowercased()
            guard !text.isEmpty else { return nil }
            isWildcard = text.hasPrefix("*.")
            if isWildcard { text.removeFirst(2) }
            port = nil
            var portText: Substring?
            if text.hasPrefix("[") {
                // [v6] or [v6]:port
                guard let close = text.firstIndex(of: "]") else { return nil }
                let rest = text[text.index(after: close)...]
                if !rest.isEmpty {
                    guard rest.hasPrefix(":") else { return nil }
                    portText = rest.dropFirst()
                }
                text = String(text[text.index(after: text.startIndex)..<close])
            } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
                portText = text[text.index(after: colon)...]
                text = String(text[..<colon])
            }
            if let portText {
                guard let number = Int(portText), (1...65535).contains(number) else { return nil }
                port = number
            }
            let isName =
                !text.isEmpty && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }
                && !text.split(separator: ".", omittingEmptySubsequences: false).contains { $0.isEmpty }
            guard isName || (!isWildcard && IPAddress(text) != nil) else { return nil }
            host = text
        }

        func matches(host candidate: String, port candidatePort: Int) -> Bool {
            if let port, port != candidatePort { return false }
            return isWildcard ? candidate.hasSuffix("." + host) : candidate == host
        }
    }

    /// Hosts the operator allows beyond the built-in rules.
    public var allowed: [Entry]

    /// The domains of Databricks workspaces (Azure, AWS, GCP).
    public static let databricksDomains = ["azuredatabricks.net", "cloud.databricks.com", "gcp.databricks.com"]

    /// A policy with an allow-list (`TRIBUTARY_ALLOWED_SOURCE_HOSTS`, comma-separated).
    public init(allowed: [Entry] = []) { self.allowed = allowed }

    /// A policy from a comma-separated allow-list; entries that cannot be parsed are returned apart.
    public static func parse(_ list: String) -> (policy: SourceHostPolicy, rejected: [String]) {
        var entries: [Entry] = []
        var rejected: [String] = []
        for item in list.split(separator: ",") where !item.trimmingCharacters(in: .whitespaces).isEmpty {
            if let entry = Entry(String(item)) { entries.append(entry) } else { rejected.append(String(item)) }
        }
        return (SourceHostPolicy(allowed: entries), rejected)
    }

    /// Whether the operator allow-listed `host:port`.
    public func isAllowListed(host: String, port: Int) -> Bool {
        let host = Self.normalized(host)
        return allowed.contains { $0.matches(host: host, port: port) }
    }

    /// Checks a Databricks workspace URL: https, and a Databricks host unless allow-listed.
    public func checkDatabricks(_ url: URL) throws(ConnectorError) {
        guard url.scheme?.lowercased() == "https", let rawHost = url.host, !rawHost.isEmpty else {
            throw ConnectorError(.hostNotAllowed, "the workspace URL must be https://<workspace host>")
        }
        let host = Self.normalized(rawHost)
        if isAllowListed(host: host, port: url.port ?? 443) { return }
        guard Self.databricksDomains.contains(where: { host.hasSuffix("." + $0) }), url.port == nil || url.port == 443 else {
            throw ConnectorError(
                .hostNotAllowed,
                "\(host) is not a Databricks workspace host (*.\(Self.databricksDomains.joined(separator: ", *."))); "
                    + "other hosts must be allow-listed by the operator (TRIBUTARY_ALLOWED_SOURCE_HOSTS)"
            )
        }
    }

    /// The check that needs no network: allow-listed, or not an address that is never public
    /// (loopback, private, link-local such as 169.254.169.254, `localhost`, metadata names).
    public func checkStatically(host rawHost: String, port: Int) throws(ConnectorError) {
        let host = Self.normalized(rawHost)
        if isAllowListed(host: host, port: port) { return }
        if Self.internalNames.contains(host) || host.hasSuffix(".localhost") || host.hasSuffix(".internal") {
            throw Self.notPublic(host)
        }
        if let address = IPAddress(host), !address.isPublic { throw Self.notPublic(host) }
    }

    /// The full check before connecting to a self-hosted server: allow-listed, or every address
    /// the name resolves to is public. (A name re-pointed between this check and the connection is
    /// not caught here; operators who need that guarantee also filter egress at the network.)
    public func checkResolved(host rawHost: String, port: Int) async throws(ConnectorError) {
        let host = Self.normalized(rawHost)
        if isAllowListed(host: host, port: port) { return }
        try checkStatically(host: host, port: port)
        let addresses = await Self.resolve(host)
        guard !addresses.isEmpty else { throw ConnectorError(.unreachable, "the host \(host) could not be resolved") }
        if addresses.contains(where: { !$0.isPublic }) { throw Self.notPublic(host) }
    }

    static let internalNames: Set<String> = ["localhost", "metadata", "metadata.google.internal", "instance-data"]

    static func notPublic(_ host: String) -> ConnectorError {
        ConnectorError(
            .hostNotAllowed,
            "\(host) is a loopback, private, link-local or metadata address; the operator must allow-list it (TRIBUTARY_ALLOWED_SOURCE_HOSTS) before connections may use it"
        )
    }

    static func normalized(_ host: String) -> String {
        var host = host.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        while host.hasSuffix(".") { host.removeLast() }
        return host
    }

    /// Every address `host` resolves to (empty when it does not resolve).
    static func resolve(_ host: String) async -> [IPAddress] {
        await Task.detached {
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            #else
            hints.ai_socktype = SOCK_STREAM
            #endif
            var list: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
            defer { freeaddrinfo(first) }
            var addresses: [IPAddress] = []
            var cursor: UnsafeMutablePointer<addrinfo>? = first
            while let entry = cursor {
                if let socketAddress = entry.pointee.ai_addr {
                    if entry.pointee.ai_family == AF_INET {
                        let bytes = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                            withUnsafeBytes(of: $0.pointee.sin_addr) { Array($0) }
                        }
                        addresses.append(.v4(bytes))
                    } else if entry.pointee.ai_family == AF_INET6 {
                        let bytes = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                            withUnsafeBytes(of: $0.pointee.sin6_addr) { Array($0) }
                        }
                        addresses.append(.v6(bytes))
                    }
                }
                cursor = entry.pointee.ai_next
            }
            return addresses
        }.value
    }
}

/// An IPv4 or IPv6 address as bytes, classified public or not.
enum IPAddress: Sendable, Hashable {
    case v4([UInt8])
    case v6([UInt8])

    /// Parses a literal address (dotted IPv4, IPv6, or the numeric IPv4 forms `inet_aton` takes,
    /// such as `2852039166` or `0xA9FEA9FE`, which resolvers would also accept).
    init?(_ text: String) {
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            self = .v6(withUnsafeBytes(of: v6) { Array($0) })
            return
        }
        var v4 = in_addr()
        if inet_aton(text, &v4) != 0 {
            self = .v4(withUnsafeBytes(of: v4) { Array($0) })
            return
        }
        return nil
    }

    /// Whether the address is globally routable (not loopback, private, link-local, shared,
    /// reserved, multicast or unspecified).
    var isPublic: Bool {
        switch self {
        case .v4(let b):
            guard b.count == 4 else { return false }
            switch (b[0], b[1]) {
            case (0, _), (10, _), (127, _), (169, 254), (192, 168): return false
            case (100, 64...127), (172, 16...31), (198, 18...19): return false
            case (192, 0) where b[2] == 0 || b[2] == 2: return false
            case (198, 51) where b[2] == 100, (203, 0) where b[2] == 113: return false
            case (224...255, _): return false
            default: return true
            }
        case .v6(let b):
            guard b.count == 16 else { return false }
            if b[0..<10].allSatisfy({ $0 == 0 }) && ((b[10] == 0xFF && b[11] == 0xFF) || (b[10] == 0 && b[11] == 0)) {
                // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d, including :: and ::1).
                // :: and ::1 land in 0.0.0.0/8, which is not public.
                return IPAddress.v4(Array(b[12..<16])).isPublic
            }
            if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B { return IPAddress.v4(Array(b[12..<16])).isPublic }  // NAT64
            if b[0] & 0xFE == 0xFC { return false }  // unique local fc00::/7 (includes AWS fd00:ec2::254)
            if b[0] == 0xFE && b[1] & 0xC0 == 0x80 { return false }  // link-local fe80::/10
            if b[0] == 0xFF { return false }  // multicast
            if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8 { return false }  // documentation
            return true
        }
    }
}
