// The rules of target connections (`/targetConnections`): where a dataflow lands its rows — for
// the Data Lake spec, a dataset (`params.dataSetId`) and a format (`data.format`).

extension ResourceKind {
    /// Target connections (`/targetConnections`).
    public static let targetConnections = ResourceKind(rawValue: "targetConnections")
}

/// Validation and rendering of target connections.
public struct TargetConnectionRules: ResourceRules {
    /// The specs target connections may use (those with a `targetSpec`).
    public var catalog: ConnectionSpecCatalog

    /// Creates the rules over a catalog.
    public init(catalog: ConnectionSpecCatalog) { self.catalog = catalog }

    /// Target connections.
    public var kind: ResourceKind { .targetConnections }

    /// The formats a dataset target takes: XDM rows in Parquet, or the source's columns as they are.
    public static let formats = ["parquet_xdm", "tabular"]

    static let clientFields: Set<String> = ["name", "description", "connectionSpec", "data", "params", "baseConnectionId"]

    public func validateNew(_ request: JSONValue) throws(FlowError) -> (body: [String: JSONValue], secrets: [String: JSONValue]) {
        guard case .object(let members) = request else {
            throw FlowError.invalidRequest("The request body must be a JSON object describing the target connection.")
        }
        return (try validate(members), [:])
    }

    public func patch(
        _ resource: FlowResource,
        with patchDocument: JSONValue
    ) throws(FlowError) -> (body: [String: JSONValue], secrets: [String: JSONValue]) {
        (try validate(FlowPatch.apply(patchDocument, to: .object(resource.body), editableFields: Self.clientFields)), [:])
    }

    public func render(_ resource: FlowResource) -> JSONValue {
        FlowPatch.render(.object(resource.body), resource)
    }

    /// The dataset a target connection writes to.
    public static func datasetId(of body: [String: JSONValue]) -> String? { body["params"]?["dataSetId"]?.stringValue }

    private func validate(_ members: [String: JSONValue]) throws(FlowError) -> [String: JSONValue] {
        try ConnectionFields.rejectUnknown(members, allowed: Self.clientFields)
        var body = try ConnectionFields.nameAndDescription(members)
        let spec = try ConnectionFields.spec(members, in: catalog, hint: "the Data Lake spec \(ConnectionSpec.dataLakeId)") {
            $0.extra["targetSpec"] != nil
        }
        let targetSpec = spec.extra["targetSpec"] ?? .null
        body["connectionSpec"] = ConnectionFields.reference(spec)
        body["params"] = .object(
            try ConnectionFields.params(members, against: targetSpec, hint: "{\"dataSetId\": \"<the dataset rows are written to>\"}")
        )
        var data: [String: JSONValue] = ["format": "parquet_xdm"]
        if let given = members["data"], given != .null {
            guard case .object(let fields) = given else {
                throw FlowError.invalidRequest("'data' must be an object with 'format' and optionally 'schema'.")
            }
            for key in fields.keys.sorted() where key != "format" && key != "schema" {
                throw FlowError.invalidRequest("Unknown field 'data.\(key.prefix(100))'. Allowed fields: format, schema.")
            }
            if let format = fields["format"] {
                guard let text = format.stringValue, Self.formats.contains(text) else {
                    throw FlowError.invalidRequest("'data.format' must be one of \(Self.formats.joined(separator: ", ")).")
                }
                data["format"] = .string(text)
            }
            if let schema = fields["schema"] {
                guard schema["id"]?.stringValue != nil else {
                    throw FlowError.invalidRequest("'data.schema' must be an object with an 'id' and a 'version'.")
                }
                data["schema"] = schema
            }
        }
        body["data"] = .object(data)
        if let base = members["baseConnectionId"], base != .null {
            guard let text = base.stringValue, (1...128).contains(text.count) else {
                throw FlowError.invalidRequest("'baseConnectionId' must be the id of a base connection.")
            }
            body["baseConnectionId"] = .string(text)
        }
        return body
    }
}
