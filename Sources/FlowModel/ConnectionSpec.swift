// Connection specs: what a connector is, how it authenticates (a JSON Schema per auth spec),
// and what its source and explore requests look like.

/// One way to authenticate to a connector: a name users put in `auth.specName` and a schema
/// that `auth.params` must satisfy.
public struct AuthSpec: Sendable, Hashable {
    /// The name, e.g. `Access Token Authentication`.
    public var name: String
    /// The type, e.g. `accessTokenAuth`.
    public var type: String
    /// The schema of `auth.params`.
    public var schema: JSONSchema

    /// Creates an auth spec.
    public init(name: String, type: String, schema: JSONSchema) {
        self.name = name
        self.type = type
        self.schema = schema
    }

    /// Parameters with `format: password`: sealed at rest, masked in responses.
    public var secretParameters: Set<String> { schema.secretPropertyNames }

    var document: JSONValue { ["name": .string(name), "type": .string(type), "spec": schema.document] }
}

/// A connection spec as `GET /connectionSpecs` returns it.
public struct ConnectionSpec: Sendable, Hashable {
    /// The spec id (a UUID), e.g. `e9d7ec6b-0873-4e57-ad21-b3a7c65e310b` for Azure Databricks.
    public var id: String
    /// The spec name, e.g. `databricks`.
    public var name: String
    /// The version, `1.0`.
    public var version: String
    /// The provider id.
    public var providerId: String
    /// The ways to authenticate (empty for the Data Lake target).
    public var authSpecs: [AuthSpec]
    /// Everything else of the spec document: `sourceSpec`, `targetSpec`, `exploreSpec`, `attributes`, ….
    public var extra: [String: JSONValue]

    /// Creates a spec.
    public init(
        id: String,
        name: String,
        version: String = "1.0",
        providerId: String,
        authSpecs: [AuthSpec],
        extra: [String: JSONValue]
    ) {
        self.id = id
        self.name = name
        self.version = version
        self.providerId = providerId
        self.authSpecs = authSpecs
        self.extra = extra
    }

    /// The auth spec named `name`, matched exactly as Adobe does.
    public func authSpec(named name: String) -> AuthSpec? {
        authSpecs.first { $0.name == name }
    }

    /// The spec as the API shows it.
    public var document: JSONValue {
        var members = extra
        members["id"] = .string(id)
        members["name"] = .string(name)
        members["version"] = .string(version)
        members["providerId"] = .string(providerId)
        members["authSpec"] = .array(authSpecs.map(\.document))
        return .object(members)
    }
}

/// The connection specs this service offers.
public struct ConnectionSpecCatalog: Sendable {
    /// The specs, in the order they are listed.
    public var specs: [ConnectionSpec]

    /// Creates a catalog.
    public init(specs: [ConnectionSpec]) { self.specs = specs }

    /// The spec with `id` (case-insensitive, as UUIDs are).
    public func spec(id: String) -> ConnectionSpec? {
        specs.first { $0.id.lowercased() == id.lowercased() }
    }

    /// Every spec this service ships: Azure Databricks, Apache Spark Thrift Server, Data Lake.
    public static let standard = ConnectionSpecCatalog(specs: [.azureDatabricks, .sparkThriftServer, .dataLake])
}

extension ConnectionSpec {
    /// The provider of every database source.
    public static let databaseProviderId = "0ed90a81-07f4-4586-8190-b40eccef1c5a"
    /// The id of the Azure Databricks spec.
    public static let azureDatabricksId = "e9d7ec6b-0873-4e57-ad21-b3a7c65e310b"
    /// The id of the self-hosted Apache Spark Thrift Server spec (Tributary's own).
    public static let sparkThriftServerId = "6f8b2c1e-3d4a-4b5c-9e7f-0a1b2c3d4e5f"
    /// The id of the Data Lake (dataset) target spec.
    public static let dataLakeId = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"

    /// A database identifier: no backticks, no control characters.
    static let identifierPattern: JSONValue = "^[^`\\u0000-\\u001F]+$"

    /// Azure Databricks, reached over HiveServer2 Thrift/HTTP on an interactive cluster.
    public static let azureDatabricks = ConnectionSpec(
        id: azureDatabricksId,
        name: "databricks",
        providerId: databaseProviderId,
        authSpecs: [
            AuthSpec(
                name: "Access Token Authentication",
                type: "accessTokenAuth",
                schema: JSONSchema([
                    "$schema": "http://json-schema.org/draft-07/schema#",
                    "type": "object",
                    "description": "Credentials of an Azure Databricks interactive cluster.",
                    "properties": [
                        "domain": [
                            "type": "string", "format": "uri", "maxLength": 255,
                            "description": "The workspace URL, e.g. https://adb-1234567890123456.7.azuredatabricks.net",
                            "pattern": "^https://[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?/?$",
                        ],
                        "clusterId": [
                            "type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[A-Za-z0-9-]+$",
                            "description": "The id of an interactive (all-purpose) cluster.",
                        ],
                        "accessToken": [
                            "type": "string", "format": "password", "minLength": 1, "maxLength": 4096,
                            "description": "A Databricks personal access token.",
                        ],
                        "database": [
                            "type": "string", "minLength": 1, "maxLength": 255, "pattern": identifierPattern,
                            "description": "The database (schema) to read tables from.",
                        ],
                        "catalog": [
                            "type": "string", "minLength": 1, "maxLength": 255, "pattern": identifierPattern,
                            "description": "The Unity Catalog catalog; omit for the workspace default.",
                        ],
                        "httpPath": [
                            "type": "string", "maxLength": 255, "pattern": "^/sql/protocolv1/o/[0-9]+/[A-Za-z0-9-]+$",
                            "description": "The cluster's HTTP path, when the workspace URL does not carry the workspace id.",
                        ],
                        "protocol": [
                            "type": "string", "enum": ["sql", "connect"], "default": "sql",
                            "description":
                                "How rows are read: `sql`, the Databricks SQL protocol (HiveServer2 Thrift over HTTP, rows in Arrow), or `connect`, Spark Connect (gRPC, Arrow batches made by the executors; clusters on Databricks Runtime 13.3 LTS and later).",
                        ],
                        "cloudFetch": [
                            "type": "boolean", "default": true,
                            "description":
                                "With `protocol` `sql`: whether the cluster may answer a large result with links to result files it wrote to cloud storage (CloudFetch), downloaded in parallel, as the official Databricks drivers do. Turn off when the service cannot reach the workspace's storage account; rows then come inline.",
                        ],
                    ],
                    "required": ["domain", "clusterId", "accessToken", "database"],
                    "additionalProperties": false,
                ])
            )
        ],
        extra: [
            "sourceSpec": tabularSourceSpec,
            "exploreSpec": tabularExploreSpec,
            "attributes": databaseAttributes(connectorName: "Azure Databricks"),
            "permissionsInfo": permissionsInfo,
        ]
    )

    /// A self-hosted Apache Spark Thrift Server in HTTP transport mode.
    public static let sparkThriftServer = ConnectionSpec(
        id: sparkThriftServerId,
        name: "spark-thrift-server",
        providerId: databaseProviderId,
        authSpecs: [
            AuthSpec(
                name: "Basic Authentication",
                type: "basicAuth",
                schema: JSONSchema([
                    "$schema": "http://json-schema.org/draft-07/schema#",
                    "type": "object",
                    "description":
                        "Address and credentials of an Apache Spark Thrift Server (hive.server2.transport.mode=http) or Spark Connect server.",
                    "properties": [
                        "host": [
                            "type": "string", "minLength": 1, "maxLength": 253,
                            "pattern": "^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$|^\\[[0-9A-Fa-f:.]+\\]$",
                            "description": "Host name or address of the server.",
                        ],
                        "port": ["type": "integer", "minimum": 1, "maximum": 65535, "description": "HTTP port, 10001 by default."],
                        "httpPath": [
                            "type": "string", "maxLength": 255, "pattern": "^/[A-Za-z0-9/_.-]*$",
                            "description": "hive.server2.thrift.http.path; /cliservice by default.",
                        ],
                        "useTLS": ["type": "boolean", "description": "Connect with TLS (https, or gRPC over TLS for Spark Connect)."],
                        "username": ["type": "string", "maxLength": 255, "description": "The user (Spark Connect: the user id of the session)."],
                        "password": [
                            "type": "string", "format": "password", "maxLength": 4096,
                            "description": "The password (Spark Connect: a Bearer token, when the server asks for one).",
                        ],
                        "protocol": [
                            "type": "string", "enum": ["thrift", "connect"], "default": "thrift",
                            "description":
                                "How the server is reached: `thrift`, a Spark Thrift Server (HiveServer2 over HTTP), or `connect`, a Spark Connect server (Spark 3.4 and later; `port` is then its gRPC port, 15002 by default).",
                        ],
                        "database": [
                            "type": "string", "minLength": 1, "maxLength": 255, "pattern": identifierPattern,
                            "description": "The database to read tables from.",
                        ],
                    ],
                    "required": ["host", "port", "database"],
                    "additionalProperties": false,
                ])
            )
        ],
        extra: [
            "sourceSpec": tabularSourceSpec,
            "exploreSpec": tabularExploreSpec,
            "attributes": databaseAttributes(connectorName: "Apache Spark Thrift Server"),
            "permissionsInfo": permissionsInfo,
        ]
    )

    /// The Data Lake: datasets that dataflows write Parquet batches into.
    public static let dataLake = ConnectionSpec(
        id: dataLakeId,
        name: "Data Lake",
        providerId: "521eee4d-8cbe-4906-bb48-fb6bd4450033",
        authSpecs: [],
        extra: [
            "targetSpec": [
                "name": "Data Lake", "type": "DataSet",
                "spec": [
                    "$schema": "http://json-schema.org/draft-07/schema#",
                    "type": "object",
                    "properties": [
                        "dataSetId": ["type": "string", "minLength": 1, "maxLength": 128, "description": "The dataset rows are written to."]
                    ],
                    "required": ["dataSetId"],
                    "additionalProperties": false,
                ],
            ],
            "attributes": ["category": "Storage", "isSource": false, "isDestination": true, "connectorName": "Data Lake"],
            "permissionsInfo": permissionsInfo,
        ]
    )

    static let tabularSourceSpec: JSONValue = [
        "name": "Database", "type": "Database",
        "spec": [
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "description": "Defines the table to read.",
            "properties": [
                "tableName": ["type": "string", "minLength": 1, "description": "The table to pull data from, e.g. database.table."],
                "columns": [
                    "type": "array",
                    "items": [
                        "type": "object",
                        "properties": [
                            "name": ["type": "string"], "type": ["type": "string"],
                            "xdm": ["type": "object"], "meta:xdmType": ["type": "string"],
                        ],
                        "required": ["name", "type"],
                    ],
                ],
                "cdcEnabled": ["type": "boolean", "description": "Read changes from the Delta change data feed."],
            ],
            "required": ["tableName"],
        ],
    ]

    static let tabularExploreSpec: JSONValue = [
        "name": "Tabular", "type": "Tabular",
        "requestSpec": [
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "description": "Defines explorable objects.",
            "properties": ["objectType": ["type": "string", "enum": ["table", "root"]]],
            "allOf": [
                [
                    "if": ["properties": ["objectType": ["enum": ["table"]]]],
                    "then": [
                        "properties": ["object": ["type": "string"], "preview": ["type": "boolean"], "filters": ["type": "string"]],
                        "required": ["object"],
                    ],
                ]
            ],
        ],
        "responseSpec": [
            "root": [
                "type": "array",
                "items": [
                    "type": "object",
                    "properties": [
                        "type": ["type": "string"], "name": ["type": "string"], "path": ["type": "string"],
                        "canPreview": ["type": "boolean"], "canFetchSchema": ["type": "boolean"],
                    ],
                ],
            ],
            "table": [
                "type": "object",
                "properties": [
                    "format": ["type": "string"],
                    "schema": [
                        "type": "object",
                        "properties": [
                            "columns": [
                                "type": "array",
                                "items": [
                                    "type": "object",
                                    "properties": ["name": ["type": "string"], "type": ["type": "string"], "xdm": ["type": "object"]],
                                ],
                            ]
                        ],
                    ],
                    "data": ["type": "array", "items": ["type": "object"]],
                ],
            ],
        ],
    ]

    static func databaseAttributes(connectorName: String) -> JSONValue {
        [
            "category": "Database", "isSource": true, "connectorName": .string(connectorName),
            "isDraftModeSupported": false,
            "uiAttributes": ["apiFeatures": ["explorePaginationSupported": true]],
            "filterAtSource": [
                "enabled": true, "queryLanguage": "SQL", "logicalOperators": ["and", "or", "not"],
                "comparisonOperators": ["=", "!=", "<", "<=", ">", ">=", "like", "in"],
                "columnNameEscapeChar": "`", "valueEscapeChar": "'",
            ],
        ]
    }

    static let permissionsInfo: JSONValue = [
        "view": [["@type": "lowLevel", "name": "EnterpriseSource", "permissions": ["read"]]],
        "manage": [["@type": "lowLevel", "name": "EnterpriseSource", "permissions": ["write"]]],
    ]
}
