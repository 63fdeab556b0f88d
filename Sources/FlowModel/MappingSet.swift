// Mapping sets (Data Prep, `/data/foundation/conversion/mappingSets`): which source column fills
// which field of the target schema. Shape checks here; checks against a dataset are the
// ingestion layer's.

extension ResourceKind {
    /// Mapping sets.
    public static let mappingSets = ResourceKind(rawValue: "mappingSets")
}

/// The body of a mapping set, validated for shape.
public struct MappingSetDocument: Sendable, Hashable {
    /// One mapping.
    public struct Mapping: Sendable, Hashable {
        /// The source column.
        public var sourceAttribute: String
        /// The target schema path (a dataset field name).
        public var destinationXdmPath: String
        /// Whether the field is an identity (kept as given).
        public var identity: Bool
    }

    /// The target: `@/dataSets/<id>`, or an XDM schema id that a dataset of the sandbox references.
    public var xdmSchema: String
    /// The XDM schema version, kept as given.
    public var xdmVersion: String
    /// The mappings.
    public var mappings: [Mapping]
    /// The source's columns (`{name, type}` as explore shows them), when given: types are then
    /// checked for conversion up front.
    public var sourceColumns: [(name: String, type: String)]?

    /// The most mappings a set may have.
    public static let maximumMappings = 10_000

    /// Parses and checks a create body.
    public init(parsing body: JSONValue) throws(FlowError) {
        guard case .object(let members) = body else { throw FlowError.invalidRequest("The body must be a JSON object describing the mapping set.") }
        let allowed: Set<String> = ["xdmSchema", "xdmVersion", "mappings", "sourceColumns", "id", "version"]
        for key in members.keys.sorted() where !allowed.contains(key) {
            throw FlowError.invalidRequest("Unknown field '\(key.prefix(100))'. Allowed fields: mappings, sourceColumns, xdmSchema, xdmVersion.")
        }
        guard let schema = members["xdmSchema"]?.stringValue, (1...1024).contains(schema.count) else {
            throw FlowError.invalidRequest("'xdmSchema' is required: \"@/dataSets/<id>\" or the XDM schema id a dataset references.")
        }
        xdmSchema = schema
        xdmVersion = members["xdmVersion"]?.stringValue ?? "1.0"
        guard let list = members["mappings"]?.arrayValue, !list.isEmpty, list.count <= Self.maximumMappings else {
            throw FlowError.invalidRequest(
                "'mappings' is required: 1 to \(Self.maximumMappings) objects {\"sourceAttribute\", \"destinationXdmPath\"}."
            )
        }
        mappings = []
        for item in list {
            let source = item["sourceAttribute"]?.stringValue ?? item["source"]?.stringValue
            let destination = item["destinationXdmPath"]?.stringValue ?? item["destination"]?.stringValue
            guard let source, let destination, (1...1024).contains(source.count), (1...1024).contains(destination.count) else {
                throw FlowError.invalidRequest("Each mapping needs 'sourceAttribute' and 'destinationXdmPath' (strings of 1 to 1024 characters).")
            }
            mappings.append(Mapping(sourceAttribute: source, destinationXdmPath: destination, identity: item["identity"]?.boolValue ?? false))
        }
        if let columns = members["sourceColumns"] {
            guard let items = columns.arrayValue else { throw FlowError.invalidRequest("'sourceColumns' must be an array of {\"name\", \"type\"}.") }
            var parsed: [(name: String, type: String)] = []
            for item in items {
                guard let name = item["name"]?.stringValue, let type = item["type"]?.stringValue else {
                    throw FlowError.invalidRequest("'sourceColumns' must be an array of {\"name\", \"type\"}.")
                }
                parsed.append((name, type))
            }
            sourceColumns = parsed
        }
    }

    /// The dataset id when `xdmSchema` names one directly.
    public var datasetReference: String? {
        xdmSchema.hasPrefix("@/dataSets/") ? String(xdmSchema.dropFirst("@/dataSets/".count)) : nil
    }

    /// The body as stored.
    public var stored: [String: JSONValue] {
        var body: [String: JSONValue] = [
            "xdmSchema": .string(xdmSchema), "xdmVersion": .string(xdmVersion),
            "mappings": .array(
                mappings.map {
                    [
                        "sourceType": "ATTRIBUTE", "sourceAttribute": .string($0.sourceAttribute),
                        "destinationXdmPath": .string($0.destinationXdmPath), "identity": .bool($0.identity),
                    ]
                }
            ),
        ]
        if let sourceColumns { body["sourceColumns"] = .array(sourceColumns.map { ["name": .string($0.name), "type": .string($0.type)] }) }
        return body
    }

    public static func == (lhs: MappingSetDocument, rhs: MappingSetDocument) -> Bool {
        lhs.xdmSchema == rhs.xdmSchema && lhs.xdmVersion == rhs.xdmVersion && lhs.mappings == rhs.mappings
            && lhs.sourceColumns?.map(\.name) == rhs.sourceColumns?.map(\.name) && lhs.sourceColumns?.map(\.type) == rhs.sourceColumns?.map(\.type)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(xdmSchema)
        hasher.combine(mappings)
    }
}
