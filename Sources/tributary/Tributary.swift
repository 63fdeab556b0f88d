// The `tributary` command: run the service, and administer organizations, sandboxes, API clients
// and tokens directly on a data directory.
import ArgumentParser
import FlowModel
import FlowServer
import FlowStore
import Foundation
import Hummingbird
import Logging

@main
struct Tributary: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tributary",
        abstract: "A Flow Service for database sources.",
        subcommands: [Serve.self, Migrate.self, Orgs.self, Sandboxes.self, Clients.self, Token.self, Runs.self, SQLCommand.self],
        defaultSubcommand: Serve.self
    )
}

/// Options every command shares; each falls back to its environment variable.
struct CommonOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Data directory (env TRIBUTARY_DATA_DIR, default ./.tributary).")
    var dataDirectory: String?

    @Option(
        help: """
            PostgreSQL database shared by several instances, postgres://user:password@host:port/database?sslmode=… \
            (env TRIBUTARY_DATABASE_URL, which keeps the password out of the process list; default: SQLite in the data directory).
            """
    )
    var databaseURL: String?

    @Option(
        name: .customLong("lake-dir"),
        help: "Data lake folder, which instances on one database may share (env TRIBUTARY_LAKE_DIR, default <data-dir>/lake)."
    )
    var lakeDirectory: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (env TRIBUTARY_LOG_LEVEL).")
    var logLevel: String?

    func configuration() throws -> ServerConfiguration {
        var configuration = ServerConfiguration.fromEnvironment()
        if let dataDirectory { configuration.dataDirectory = URL(fileURLWithPath: dataDirectory) }
        if let databaseURL { configuration.databaseURL = databaseURL }
        if let lakeDirectory { configuration.lakeFolder = URL(fileURLWithPath: lakeDirectory) }
        if let logLevel {
            guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("unknown log level '\(logLevel)'") }
            configuration.logLevel = level
        }
        return configuration
    }

    func services(quiet: Bool = true) async throws -> FlowServices {
        let configuration = try configuration()
        let logger = ServiceLogHandler.logger(level: quiet ? .warning : configuration.logLevel, format: configuration.logFormat)
        return try await FlowServices.open(configuration, logger: logger, role: .administration)
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the service (stops gracefully on SIGINT or SIGTERM).")

    @OptionGroup var common: CommonOptions

    @Option(help: "Address to listen on (env TRIBUTARY_HOST, default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (env TRIBUTARY_PORT, default 8080).")
    var port: Int?

    @Option(help: "This instance's name on run leases and records (env TRIBUTARY_INSTANCE_NAME, default host-pid).")
    var instanceName: String?

    @Option(help: "Largest request body in bytes (env TRIBUTARY_MAX_BODY_BYTES, default 1048576).")
    var maxBodyBytes: Int?

    @Option(help: "Connections served at once; more are answered 503 (env TRIBUTARY_MAX_CONNECTIONS, default 512).")
    var maxConnections: Int?

    @Option(help: "Seconds a connection may take to send a request head or stay idle (env TRIBUTARY_IDLE_TIMEOUT_SECONDS, default 30).")
    var idleTimeoutSeconds: Int?

    @Option(help: "Seconds a request body may take to arrive (env TRIBUTARY_BODY_TIMEOUT_SECONDS, default 30).")
    var bodyTimeoutSeconds: Int?

    func run() async throws {
        var configuration = try common.configuration()
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        if let instanceName { configuration.instanceName = instanceName }
        guard (1...100).contains(configuration.instanceName.count), configuration.instanceName.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw ValidationError("the instance name must be 1 to 100 printable ASCII characters without spaces")
        }
        let limits: [(String, Int?, WritableKeyPath<ServerConfiguration, Int>)] = [
            ("--max-body-bytes", maxBodyBytes, \.maximumBodyBytes),
            ("--max-connections", maxConnections, \.connections.maximumConnections),
            ("--idle-timeout-seconds", idleTimeoutSeconds, \.connections.idleTimeoutSeconds),
            ("--body-timeout-seconds", bodyTimeoutSeconds, \.connections.bodyTimeoutSeconds),
        ]
        for (name, value, setting) in limits {
            guard let value else { continue }
            guard value > 0 else { throw ValidationError("\(name) must be positive") }
            configuration[keyPath: setting] = value
        }
        let lock = try DataDirectoryLock(directory: configuration.dataDirectory)
        let app = try await buildApplication(configuration: configuration)
        try await app.runService()
        withExtendedLifetime(lock) {}
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply the database migrations the store lacks and print those applied (serve applies them at start too)."
    )
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let configuration = try common.configuration()
        let logger = ServiceLogHandler.logger(level: configuration.logLevel, format: configuration.logFormat)
        for migration in try await FlowServices.migrate(configuration, logger: logger) {
            print(migration)
        }
    }
}

struct Orgs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orgs",
        abstract: "Organizations.",
        subcommands: [Create.self, List.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an organization with its prod sandbox.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Display name.") var name: String

        func run() async throws {
            let organization = try await common.services().tenancy.createOrganization(name: name)
            print(organization.id)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List organizations.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            for organization in try await common.services().storage.organizations() {
                print("\(organization.id)\t\(organization.name)")
            }
        }
    }
}

struct Sandboxes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandboxes",
        abstract: "Sandboxes of an organization.",
        subcommands: [Create.self, List.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a sandbox.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Organization id.") var org: String
        @Option(help: "Sandbox name: lower-case letters, digits, hyphens.") var name: String

        func run() async throws {
            let sandbox = try await common.services().tenancy.createSandbox(orgId: org, name: name)
            print("\(sandbox.name)\t\(sandbox.id)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the sandboxes of an organization.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Organization id.") var org: String

        func run() async throws {
            for sandbox in try await common.services().storage.sandboxes(orgId: org) {
                print("\(sandbox.name)\t\(sandbox.id)\(sandbox.isDefault ? "\tdefault" : "")")
            }
        }
    }
}

struct Clients: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clients",
        abstract: "API clients of an organization.",
        subcommands: [Create.self, List.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API client; prints its credentials as JSON (the only time the secret is shown)."
        )
        @OptionGroup var common: CommonOptions
        @Option(help: "Organization id.") var org: String
        @Option(help: "Display name.") var name: String = "API client"

        func run() async throws {
            let credentials = try await common.services().tenancy.createClient(orgId: org, name: name)
            print(String(decoding: try JSONCoding.encoder.encode(credentials), as: UTF8.self))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the API clients of an organization (ids only).")
        @OptionGroup var common: CommonOptions
        @Option(help: "Organization id.") var org: String

        func run() async throws {
            for client in try await common.services().storage.clients(orgId: org) {
                print("\(client.clientId)\t\(client.name)")
            }
        }
    }
}

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print an access token for an API client (default: the bootstrap client)."
    )
    @OptionGroup var common: CommonOptions
    @Option(name: .customLong("client-id"), help: "The client id (x-api-key).") var clientId: String?

    func run() async throws {
        let services = try await common.services()
        let id: String
        if let clientId {
            id = clientId
        } else {
            let file = services.configuration.bootstrapCredentialsFile
            guard let data = try? Data(contentsOf: file),
                let credentials = try? JSONDecoder().decode(ClientCredentials.self, from: data)
            else { throw ValidationError("no --client-id given and no bootstrap credentials at \(file.path)") }
            id = credentials.clientId
        }
        guard let client = try await services.storage.client(id: id) else { throw ValidationError("no API client '\(id)'") }
        print(try await services.tokens.issue(clientId: client.clientId, orgId: client.orgId))
    }
}
