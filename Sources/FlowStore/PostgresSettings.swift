// Where the PostgreSQL store connects: a libpq-style URL (`postgres://user:password@host:port/db?sslmode=…`)
// and the limits of the connection pool. Parsed once at start; a URL that cannot be used stops the
// start with a message that names the part at fault and never repeats the password.
import Foundation
import NIOSSL
public import PostgresNIO

/// How to reach PostgreSQL and how much of it to use.
public struct PostgresSettings: Sendable, Hashable {
    /// How TLS is used, as libpq's `sslmode` names it.
    public enum TLSMode: String, Sendable, Hashable, CaseIterable {
        /// Never.
        case disable
        /// When the server offers it, without checking its certificate (libpq's default).
        case prefer
        /// Always, without checking the certificate.
        case require
        /// Always, with a certificate signed by a trusted authority (any host name).
        case verifyCA = "verify-ca"
        /// Always, with a trusted certificate for the host name.
        case verifyFull = "verify-full"
    }

    /// The server's host name or address.
    public var host: String
    /// The server's port.
    public var port: Int
    /// The role to connect as.
    public var username: String
    /// The role's password, if the server asks for one.
    public var password: String?
    /// The database.
    public var database: String
    /// TLS to the server.
    public var tlsMode: TLSMode
    /// A PEM file of the authorities that sign the server's certificate (`sslrootcert`); the
    /// system's when absent.
    public var rootCertificateFile: String?
    /// The schema Tributary's tables live in (`schema`, default `public`), created when missing.
    public var schema: String
    /// The most connections an instance opens (`pool_size`, default 10).
    public var maximumConnections: Int
    /// Seconds a statement may run before the server cancels it (`statement_timeout`, default 30).
    public var statementTimeoutSeconds: Int
    /// Seconds to wait for a connection, opened or free, before a call fails (`connect_timeout`, default 10).
    public var connectTimeoutSeconds: Int
    /// The name the server shows for these connections (`application_name`, default `tributary`).
    public var applicationName: String

    /// The URL's query parameters this store reads; any other is refused rather than ignored.
    public static let parameters = ["sslmode", "sslrootcert", "schema", "pool_size", "statement_timeout", "connect_timeout", "application_name"]
    /// The most connections `pool_size` may ask for.
    public static let maximumPoolSize = 200

    /// Parses `postgres://` (or `postgresql://`) URLs.
    /// - Throws: ``FlowStoreError`` with code `invalidSettings`, naming what is wrong.
    public init(url text: String) throws(FlowStoreError) {
        func invalid(_ reason: String) -> FlowStoreError {
            FlowStoreError(.invalidSettings, "TRIBUTARY_DATABASE_URL: \(reason)")
        }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "postgres" || scheme == "postgresql"
        else { throw invalid("expected postgres://user:password@host:port/database") }
        guard let host = components.host, !host.isEmpty else { throw invalid("the host is missing") }
        guard let username = components.user.flatMap({ $0.removingPercentEncoding }), !username.isEmpty else {
            throw invalid("the user is missing (postgres://user@host/database)")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw invalid("the database is missing (postgres://user@host/database)") }
        self.host = host
        self.port = components.port ?? 5432
        self.username = username
        self.password = components.password.flatMap { $0.removingPercentEncoding }
        self.database = database.removingPercentEncoding ?? database
        self.tlsMode = .prefer
        self.schema = "public"
        self.maximumConnections = 10
        self.statementTimeoutSeconds = 30
        self.connectTimeoutSeconds = 10
        self.applicationName = "tributary"
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            func number(_ range: ClosedRange<Int>) throws(FlowStoreError) -> Int {
                guard let number = Int(value), range.contains(number) else {
                    throw invalid("\(item.name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
                }
                return number
            }
            switch item.name {
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else {
                    throw invalid("sslmode must be one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                tlsMode = mode
            case "sslrootcert": rootCertificateFile = value
            case "schema":
                guard Self.isPlainName(value) else {
                    throw invalid("schema must be 1 to 63 lower-case letters, digits and underscores, starting with a letter")
                }
                schema = value
            case "pool_size": maximumConnections = try number(1...Self.maximumPoolSize)
            case "statement_timeout": statementTimeoutSeconds = try number(1...3600)
            case "connect_timeout": connectTimeoutSeconds = try number(1...600)
            case "application_name":
                guard (1...63).contains(value.utf8.count), value.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
                    throw invalid("application_name must be 1 to 63 printable ASCII characters")
                }
                applicationName = value
            default:
                throw invalid("unknown parameter '\(item.name.prefix(40))'; known: \(Self.parameters.joined(separator: ", "))")
            }
        }
    }

    /// A name PostgreSQL takes without quoting.
    static func isPlainName(_ name: String) -> Bool {
        guard let first = name.utf8.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first), name.utf8.count <= 63 else { return false }
        return name.utf8.allSatisfy {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_")
        }
    }

    /// Where the store connects, for logs: no password.
    public var redacted: String {
        "postgres://\(username)@\(host):\(port)/\(database) (schema \(schema), sslmode \(tlsMode.rawValue))"
    }

    /// The TLS configuration `sslmode` asks for, `nil` for none.
    func tlsConfiguration() throws(FlowStoreError) -> TLSConfiguration? {
        guard tlsMode != .disable else { return nil }
        var context = TLSConfiguration.makeClientConfiguration()
        switch tlsMode {
        case .disable, .prefer, .require: context.certificateVerification = .none
        case .verifyCA: context.certificateVerification = .noHostnameVerification
        case .verifyFull: context.certificateVerification = .fullVerification
        }
        if let file = rootCertificateFile {
            do {
                context.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(file))
            } catch {
                throw FlowStoreError(.invalidSettings, "TRIBUTARY_DATABASE_URL: sslrootcert \(file) cannot be read as PEM certificates")
            }
        }
        return context
    }

    /// What each connection sets at its start: the schema and the statement timeout.
    var startupParameters: [(String, String)] {
        [("options", "-c search_path=\(schema) -c statement_timeout=\(statementTimeoutSeconds * 1000)"), ("application_name", applicationName)]
    }

    /// postgres-nio's pool configuration for these settings: TLS as `sslmode` asks, the pool's size,
    /// and each connection's schema and statement timeout.
    public func clientConfiguration() throws(FlowStoreError) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch (tlsMode, try tlsConfiguration()) {
            case (_, nil): .disable
            case (.prefer, let context?): .prefer(context)
            case (_, let context?): .require(context)
            }
        var configuration = PostgresClient.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(connectTimeoutSeconds)
        configuration.options.additionalStartupParameters = startupParameters
        return configuration
    }

    /// The configuration of one connection outside the pool (the first, which says why it fails).
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS =
            switch (tlsMode, try tlsConfiguration()) {
            case (_, nil): .disable
            case (.prefer, let context?): .prefer(try NIOSSLContext(configuration: context))
            case (_, let context?): .require(try NIOSSLContext(configuration: context))
            }
        var configuration = PostgresConnection.Configuration(
            host: host,
            port: port,
            username: username,
            password: password,
            database: database,
            tls: tls
        )
        configuration.options.connectTimeout = .seconds(Int64(connectTimeoutSeconds))
        configuration.options.additionalStartupParameters = startupParameters
        return configuration
    }
}
