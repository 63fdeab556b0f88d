// Where and how to reach a Spark Connect server: a self-hosted Spark (`sc://host:port/;…`, Spark's
// own connection-string form) or an Azure Databricks cluster (the workspace host on 443, TLS, a
// Bearer token and the `x-databricks-cluster-id` header — what Databricks Connect sends).
import DatabricksSQL
import Foundation

/// A Spark Connect endpoint and its credentials. The token never appears in `description` or in errors.
public struct SparkConnectEndpoint: Sendable, CustomStringConvertible {
    /// The server's host name or address.
    public var host: String
    /// The server's port.
    public var port: Int
    /// Whether the connection is TLS.
    public var usesTLS: Bool
    /// The user id sent in every request's user context.
    public var userId: String
    /// Headers (gRPC metadata) sent with every call, e.g. `x-databricks-cluster-id`; never the token.
    public var headers: [(name: String, value: String)]
    /// The Databricks cluster id, when the endpoint is a Databricks cluster.
    public var clusterId: String?
    /// The Bearer token, when there is one.
    let token: String?

    /// Spark Connect's default port.
    public static let defaultPort = 15002

    /// A Spark Connect connection string: `sc://host[:port][/;name=value[;…]]`. `token` (which
    /// implies TLS), `use_ssl` and `user_id` are understood; every other parameter is sent as a
    /// header, as Spark's own clients do. `token` may also be given apart (it wins).
    public static func connectionString(_ text: String, token: String? = nil) throws(DatabricksSQLError) -> SparkConnectEndpoint {
        guard text.lowercased().hasPrefix("sc://") else {
            throw DatabricksSQLError(.invalidConfiguration, "a Spark Connect address starts with sc:// (sc://host:15002)")
        }
        let rest = text.dropFirst(5)
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var parameters = rest[authorityEnd...].drop { $0 == "/" }
        if parameters.hasPrefix(";") { parameters = parameters.dropFirst() }
        let (host, port) = try hostAndPort(authority)
        var endpoint = SparkConnectEndpoint(
            host: host,
            port: port ?? defaultPort,
            usesTLS: false,
            userId: "tributary",
            headers: [],
            clusterId: nil,
            token: nil
        )
        var useSSL: Bool?
        for pair in parameters.split(separator: ";") where !pair.isEmpty {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw DatabricksSQLError(.invalidConfiguration, "a Spark Connect parameter is written name=value")
            }
            let name = String(pair[..<equals]).lowercased()
            let value = String(pair[pair.index(after: equals)...]).removingPercentEncoding ?? String(pair[pair.index(after: equals)...])
            switch name {
            case "token": endpoint = endpoint.with(token: value)
            case "use_ssl": useSSL = value.lowercased() == "true"
            case "user_id": endpoint.userId = value
            case "session_id", "user_agent", "grpc_max_message_size": continue
            default:
                guard isHeaderName(name), !value.contains(where: { $0.isNewline }) else {
                    throw DatabricksSQLError(.invalidConfiguration, "the Spark Connect parameter '\(name)' is not a valid header")
                }
                if name == "x-databricks-cluster-id" { endpoint.clusterId = value }
                endpoint.headers.append((name, value))
            }
        }
        if let token, !token.isEmpty { endpoint = endpoint.with(token: token) }
        endpoint.usesTLS = useSSL ?? (endpoint.token != nil)
        return endpoint
    }

    /// An Azure Databricks interactive cluster over Spark Connect (DBR 13.3 LTS and later).
    /// - Parameters:
    ///   - domain: the workspace URL, e.g. `https://adb-1234567890123456.7.azuredatabricks.net`.
    ///   - clusterId: the cluster id.
    ///   - accessToken: a personal access token (or an OAuth token).
    public static func databricks(domain: String, clusterId: String, accessToken: String) throws(DatabricksSQLError) -> SparkConnectEndpoint {
        guard let components = URLComponents(string: domain.hasSuffix("/") ? String(domain.dropLast()) : domain),
            components.scheme?.lowercased() == "https", let host = components.host, !host.isEmpty
        else {
            throw DatabricksSQLError(
                .invalidConfiguration,
                "the workspace URL must be an https URL such as https://adb-1234567890123456.7.azuredatabricks.net"
            )
        }
        guard !clusterId.isEmpty, clusterId.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            throw DatabricksSQLError(.invalidConfiguration, "the cluster id may hold only letters, digits and hyphens")
        }
        return SparkConnectEndpoint(
            host: host,
            port: components.port ?? 443,
            usesTLS: true,
            userId: "tributary",
            headers: [("x-databricks-cluster-id", clusterId)],
            clusterId: clusterId,
            token: accessToken
        )
    }

    /// The endpoint with `token` as its Bearer token.
    func with(token: String) -> SparkConnectEndpoint {
        SparkConnectEndpoint(host: host, port: port, usesTLS: usesTLS, userId: userId, headers: headers, clusterId: clusterId, token: token)
    }

    static func hostAndPort(_ authority: Substring) throws(DatabricksSQLError) -> (String, Int?) {
        guard !authority.isEmpty, !authority.contains("@") else {
            throw DatabricksSQLError(.invalidConfiguration, "a Spark Connect address names a host: sc://host:15002")
        }
        var host = authority
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw DatabricksSQLError(.invalidConfiguration, "an IPv6 address is written [address]")
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") {
                portText = after.dropFirst()
            } else if !after.isEmpty {
                throw DatabricksSQLError(.invalidConfiguration, "the Spark Connect address is not host:port")
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        }
        guard !host.isEmpty else { throw DatabricksSQLError(.invalidConfiguration, "a Spark Connect address names a host: sc://host:15002") }
        guard let portText else { return (String(host), nil) }
        guard let port = Int(portText), (1...65_535).contains(port) else {
            throw DatabricksSQLError(.invalidConfiguration, "the Spark Connect port must be a number from 1 to 65535")
        }
        return (String(host), port)
    }

    static func isHeaderName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix("grpc-") && name != "authorization"
            && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F || $0 == 0x2E }
    }

    /// `sc://host:port` and whether it is TLS, without credentials.
    public var description: String { "Spark Connect endpoint sc://\(host.contains(":") ? "[\(host)]" : host):\(port)\(usesTLS ? " (TLS)" : "")" }
}
