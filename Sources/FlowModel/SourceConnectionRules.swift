// The rules of source connections (`/sourceConnections`): which table of a base connection a
// dataflow reads (`params.tableName`, optionally `params.columns`), checked against the base
// connection's spec.

extension ResourceKind {
    /// Source connections (`/sourceConnections`).
    public static let sourceConnections = ResourceKind(rawValue: "sourceConnections")
}

/// Validation and rendering of source connections.
public struct SourceConnectionRules: ResourceRules {
    /// The specs source connections may use (those with a `sourceSpec`).
    public var catalog: ConnectionSpecCatalog

    /// Creates the rules over a catalog.
    public init(catalog: ConnectionSpecCatalog) { self.catalog = catalog }

    /// Source connections.
    public var kind: ResourceKind { .sourceConnections }

    /// The data formats of table sources: `tabular` (and the older `parquet_xdm`, accepted as Adobe's
    /// older docs send it).
    public static let formats = ["tabular", "parquet_xdm"]

    static let clientFields: Set<String> = ["name", "description", "connectionSpec", "data", "params", "baseConnectionId"]

    public func validateNew(_ request: JSONValue) throws(FlowError) -> (body: [String: JSONValue], secrets: [String: JSONValue]) {
        guard case .object(let members) = request else {
            throw FlowError.invalidRequest("The request body must be a JSON object describing the source connection.")
        }
        return (try validate(members), [:])
    }

    public func patch(
        _ resource: FlowResource,
        with patchDocument: JSONValue
    ) throws(FlowError) -> (body: [String: JSONValue], secrets: [String: JSONValue]) {
        (
            try validate(
                FlowPatch.apply(patchDocument, to: .object(resource.body), editableFields: Self.clientFields.subtracting(["baseConnectionId"]))
            ), [:]
        )
    }

    /// `inheritedAttributes` is made when shown.
    public var listedFields: ListedFields { .rendered(derived: ["inheritedAttributes"]) }

    public func render(_ resource: FlowResource) -> JSONValue {
        var document = FlowPatch.render(.object(resource.body), resource)
        if let base = resource.body["baseConnectionId"], let spec = resource.body["connectionSpec"] {
            document["inheritedAttributes"] = ["baseConnection": ["id": base, "connectionSpec": spec]]
        }
        return document
    }

    /// Where a source connection's body names its base connection, as a JSON path (stores index it).
    public static let baseConnectionReference = "$.baseConnectionId"

    /// The base connection a source connection reads through.
    public static func baseConnectionId(of body: [String: JSONValue]) -> String? { body["baseConnectionId"]?.stringValue }

    private func validate(_ members: [String: JSONValue]) throws(FlowError) -> [String: JSONValue] {
        try ConnectionFields.rejectUnknown(members, allowed: Self.clientFields)
        var body = try ConnectionFields.nameAndDescription(members)
        guard let base = members["baseConnectionId"]?.stringValue, (1...128).contains(base.count) else {
            throw FlowError.invalidRequest("'baseConnectionId' is required: the id of the base connection holding the credentials.")
        }
        body["baseConnectionId"] = .string(base)
        let spec = try ConnectionFields.spec(members, in: catalog, hint: "the base connection's spec") { $0.extra["sourceSpec"] != nil }
        let sourceSpec = spec.extra["sourceSpec"] ?? .null
        body["connectionSpec"] = ConnectionFields.reference(spec)
        var format = "tabular"
        if let data = members["data"], data != .null {
            guard case .object(let fields) = data else {
                throw FlowError.invalidRequest("'data' must be an object such as {\"format\": \"tabular\"}.")
            }
            for key in fields.keys.sorted() where key != "format" && key != "schema" {
                throw FlowError.invalidRequest("Unknown field 'data.\(key.prefix(100))'. Allowed fields: format, schema.")
            }
            if let given = fields["format"] {
                guard let text = given.stringValue, Self.formats.contains(text) else {
                    throw FlowError.invalidRequest("'data.format' must be 'tabular' for table sources.")
                }
                format = text
            }
        }
        body["data"] = ["format": .string(format)]
        let fields = try ConnectionFields.params(members, against: sourceSpec, hint: "{\"tableName\": \"database.table\", \"columns\"?: […]}")
        for key in fields.keys.sorted() where !["tableName", "columns", "cdcEnabled", "filters"].contains(key) {
            throw FlowError.invalidRequest("Unknown field 'params.\(key.prefix(100))'. Allowed fields: cdcEnabled, columns, filters, tableName.")
        }
        body["params"] = .object(fields)
        return body
    }
}
