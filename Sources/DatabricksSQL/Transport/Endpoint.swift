// Where and how to reach a HiveServer2 endpoint: an Azure Databricks interactive cluster (Bearer
// token, workspace/cluster HTTP path) or a self-hosted Spark Thrift Server (Basic auth).
import Foundation

/// A HiveServer2-over-HTTP endpoint and its credentials. The credentials never appear in
/// `description` or in errors.
public struct SQLEndpoint: Sendable, CustomStringConvertible {
    /// Which server family this is; it decides the protocol dialect.
    public enum Flavor: Sendable, Hashable {
        /// Azure Databricks (or any Databricks cloud): Bearer token, protocol `0xA508`, direct results.
        case databricks
        /// An Apache Spark Thrift Server: Basic auth, protocol version 9, `use:database`.
        case sparkThriftServer
    }

    /// The Thrift endpoint URL.
    public var url: URL
    /// The dialect.
    public var flavor: Flavor
    /// The workspace URL's origin (`https://host[:port]`), for the Clusters REST API; Databricks only.
    public var workspaceOrigin: URL?
    /// The cluster id; Databricks only.
    public var clusterId: String?
    let authorization: String

    /// A Databricks interactive cluster.
    /// - Parameters:
    ///   - domain: the workspace URL, e.g. `https://adb-1234567890123456.7.azuredatabricks.net`.
    ///   - clusterId: the cluster id.
    ///   - accessToken: a personal access token.
    ///   - httpPath: the cluster's HTTP path (`/sql/protocolv1/o/<workspace-id>/<cluster-id>`); when
    ///     absent the workspace id is read from an `adb-<id>.<n>.azuredatabricks.net` host.
    public static func databricks(
        domain: String,
        clusterId: String,
        accessToken: String,
        httpPath: String? = nil
    ) throws(DatabricksSQLError) -> SQLEndpoint {
        guard var components = URLComponents(string: domain.hasSuffix("/") ? String(domain.dropLast()) : domain),
            let scheme = components.scheme?.lowercased(), scheme == "https" || scheme == "http", let host = components.host, !host.isEmpty
        else {
            throw DatabricksSQLError(
                .invalidConfiguration,
                "the workspace URL must be an https URL such as https://adb-1234567890123456.7.azuredatabricks.net"
            )
        }
        guard !clusterId.isEmpty, clusterId.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            throw DatabricksSQLError(.invalidConfiguration, "the cluster id may hold only letters, digits and hyphens")
        }
        let path: String
        if let httpPath {
            let trimmed = httpPath.hasPrefix("/") ? httpPath : "/" + httpPath
            guard Self.workspaceId(inPath: trimmed) != nil else {
                throw DatabricksSQLError(.invalidConfiguration, "the HTTP path must look like /sql/protocolv1/o/<workspace-id>/<cluster-id>")
            }
            path = trimmed
        } else {
            guard let workspaceId = Self.workspaceId(inHost: host) else {
                throw DatabricksSQLError(
                    .invalidConfiguration,
                    "the workspace id cannot be read from host \(host); give the cluster's HTTP path (Compute → cluster → Advanced options → JDBC/ODBC)"
                )
            }
            path = "/sql/protocolv1/o/\(workspaceId)/\(clusterId)"
        }
        components.path = ""
        components.query = nil
        components.fragment = nil
        guard let origin = components.url, let url = URL(string: origin.absoluteString + path) else {
            throw DatabricksSQLError(.invalidConfiguration, "the workspace URL is not valid")
        }
        return SQLEndpoint(
            url: url,
            flavor: .databricks,
            workspaceOrigin: origin,
            clusterId: clusterId,
            authorization: "Bearer \(accessToken)"
        )
    }

    /// A self-hosted Spark Thrift Server in HTTP transport mode.
    /// - Parameters:
    ///   - url: e.g. `http://127.0.0.1:10001/cliservice`.
    ///   - username: the user (Spark requires a non-empty one even without authentication).
    ///   - password: the password (likewise non-empty; not checked by `NONE` authentication).
    public static func sparkThriftServer(url: URL, username: String, password: String) throws(DatabricksSQLError) -> SQLEndpoint {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw DatabricksSQLError(.invalidConfiguration, "the Spark Thrift Server URL must be http or https")
        }
        let user = username.isEmpty ? "anonymous" : username
        let secret = password.isEmpty ? "anonymous" : password
        let basic = Data("\(user):\(secret)".utf8).base64EncodedString()
        return SQLEndpoint(url: url, flavor: .sparkThriftServer, workspaceOrigin: nil, clusterId: nil, authorization: "Basic \(basic)")
    }

    /// The workspace id in an Azure per-workspace host `adb-<id>.<n>.azuredatabricks.net`.
    public static func workspaceId(inHost host: String) -> String? {
        let labels = host.lowercased().split(separator: ".")
        guard labels.count == 4, labels[0].hasPrefix("adb-"), labels[2] == "azuredatabricks", labels[3] == "net" else { return nil }
        let id = labels[0].dropFirst(4)
        guard !id.isEmpty, id.allSatisfy(\.isNumber), labels[1].allSatisfy(\.isNumber) else { return nil }
        return String(id)
    }

    /// The workspace id in an HTTP path `/sql/protocolv1/o/<id>/<cluster>`.
    public static func workspaceId(inPath path: String) -> String? {
        let parts = path.split(separator: "/")
        guard parts.count == 5, parts[0] == "sql", parts[1] == "protocolv1", parts[2] == "o", parts[3].allSatisfy(\.isNumber),
            !parts[4].isEmpty
        else { return nil }
        return String(parts[3])
    }

    /// The URL and flavor, without credentials.
    public var description: String { "\(flavor) endpoint \(url.absoluteString)" }
}
