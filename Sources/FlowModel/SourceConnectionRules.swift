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

    public func patch(_ resource: FlowResource, with patchDocument: JSONValue) throws(FlowError) -> (body: [String: JSONValue], secrets: [String: JSONValue]) {
        (try validate(FlowPatch.apply(patchDocument, to: .object(resource.body), editableFields: Self.clientFields.subtracting(["baseConnectionId"]))), [:])
    }

    public func render(_ resource: FlowResource) -> JSONValue {
        var document = FlowPatch.render(.object(resource.body), resource)
        if let base = resource.body["baseConnectionId"], let spec = resource.body["connectionSpec"] {
            document["inheritedAttributes"] = ["baseConnection": ["id": base, "connectionSpec": spec]]
        }
        return document
    }

    /// The base connection a source connection reads through.
    public static func baseConnectionId(of body: [String: JSONValue]) -> String? { body["baseConnectionId"]?.stringValue }

    private func validate(_ members: [String: JSONValue]) throws(FlowError) -> [String: JSONValue] {
        for key in members.keys.sorted() where !Self.clientFields.contains(key) {
            if key == "state" || ResourceMetadata.fieldNames.contains(key) {
                throw FlowError.invalidRequest("The field '\(key)' is set by the service and cannot be sent.")
            }
            throw FlowError.invalidRequest("Unknown field '\(key.prefix(100))'. Allowed fields: \(Self.clientFields.sorted().joined(separator: ", ")).")
        }
        var body: [String: JSONValue] = ["name": .string(try BaseConnectionRules.validateName(members["name"]))]
        if let description = members["description"], description != .null {
            guard let text = description.stringValue, text.count <= BaseConnectionRules.maximumDescriptionLength else {
                throw FlowError.invalidRequest("'description' must be a string of at most \(BaseConnectionRules.maximumDescriptionLength) characters.")
            }
            body["description"] = .string(text)
        }
        guard let base = members["baseConnectionId"]?.stringValue, (1...128).contains(base.count) else {
            throw FlowError.invalidRequest("'baseConnectionId' is required: the id of the base connection holding the credentials.")
        }
        body["baseConnectionId"] = .string(base)
        guard let specId = members["connectionSpec"]?["id"]?.stringValue else {
            throw FlowError.invalidRequest("'connectionSpec.id' is required: the base connection's spec.")
        }
        guard let spec = catalog.spec(id: specId), let sourceSpec = spec.extra["sourceSpec"] else {
            throw FlowError.unknownSpec(String(specId.prefix(100)))
        }
        if let version = members["connectionSpec"]?["version"], version != .null, version.stringValue != spec.version {
            throw FlowError.invalidRequest("'connectionSpec.version' must be \"\(spec.version)\" (or omitted) for spec \(spec.id).", code: "1413-400")
        }
        body["connectionSpec"] = ["id": .string(spec.id), "version": .string(spec.version)]
        var format = "tabular"
        if let data = members["data"], data != .null {
            guard case .object(let fields) = data else { throw FlowError.invalidRequest("'data' must be an object such as {\"format\": \"tabular\"}.") }
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
        guard let params = members["params"], case .object(let fields) = params else {
            throw FlowError.invalidRequest("'params' is required: {\"tableName\": \"database.table\", \"columns\"?: […]}.")
        }
        if let schema = sourceSpec["spec"] {
            let violations = JSONSchema(schema).validate(params)
            if !violations.isEmpty {
                throw FlowError.invalidRequest(violations.prefix(10).map { "params: \($0.message)" }.joined(separator: "; ") + ".")
            }
        }
        for key in fields.keys.sorted() where !["tableName", "columns", "cdcEnabled", "filters"].contains(key) {
            throw FlowError.invalidRequest("Unknown field 'params.\(key.prefix(100))'. Allowed fields: cdcEnabled, columns, filters, tableName.")
        }
        body["params"] = params
        return body
    }
}
