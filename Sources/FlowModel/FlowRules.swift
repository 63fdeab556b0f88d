// The rules of dataflows (`/flows`): what a create body and a patch may hold (never `state`, which
// only the enable/disable action changes), and how a flow is shown — with the connections it
// inherits, its runs link and its last operation.

extension ResourceKind {
    /// Dataflows (`/flows`).
    public static let flows = ResourceKind(rawValue: "flows")
}

/// Validation and rendering of flows.
public struct FlowRules: ResourceRules {
    /// Creates the rules.
    public init() {}

    /// Flows.
    public var kind: ResourceKind { .flows }

    static let clientFields: Set<String> = [
        "name", "description", "flowSpec", "sourceConnectionIds", "targetConnectionIds", "transformations", "scheduleParams", "options",
    ]
    static let editableFields: Set<String> = ["name", "description", "transformations", "scheduleParams", "options"]
    /// Members the service keeps on a flow besides the client's.
    static let serviceFields: Set<String> = ["state", "lastOperation"]

    /// `1410-400`: a create request may not set the state.
    public static let stateNotAllowed = FlowError(
        code: "1410-400",
        title: "Invalid request",
        detailedMessage: "`State` is not allowed in the create flow request."
    )

    public func validateNew(_ request: JSONValue) throws(FlowError) -> (body: [String: JSONValue], secrets: [String: JSONValue]) {
        guard case .object(let members) = request else {
            throw FlowError.invalidRequest("The request body must be a JSON object describing the flow.")
        }
        if members["state"] != nil { throw Self.stateNotAllowed }
        try ConnectionFields.rejectUnknown(members, allowed: Self.clientFields)
        var body = try FlowDefinition.validatedFields(members)
        body["state"] = "enabled"
        body["lastOperation"] = ["operation": "create", "ops": []]
        return (body, [:])
    }

    public func patch(
        _ resource: FlowResource,
        with patchDocument: JSONValue
    ) throws(FlowError) -> (body: [String: JSONValue], secrets: [String: JSONValue]) {
        let patched = try FlowPatch.apply(patchDocument, to: .object(resource.body), editableFields: Self.editableFields)
        var body = try FlowDefinition.validatedFields(patched.filter { !Self.serviceFields.contains($0.key) })
        for field in Self.serviceFields { body[field] = resource.body[field] }
        body["lastOperation"] = ["operation": "update", "ops": patchDocument]
        return (body, [:])
    }

    /// The flow after `operation` (`enable` or `disable`).
    public static func changingState(_ body: [String: JSONValue], to operation: String) -> [String: JSONValue] {
        var body = body
        body["state"] = .string(operation == "enable" ? "enabled" : "disabled")
        body["lastOperation"] = ["operation": .string(operation), "ops": []]
        return body
    }

    /// `runs` and `lastOperation` are made when shown, as are the connections a flow inherits
    /// and its last run (added by the routes).
    public var listedFields: ListedFields { .rendered(derived: ["runs", "lastOperation", "inheritedAttributes", "lastRunDetails"]) }

    public func render(_ resource: FlowResource) -> JSONValue {
        var document = FlowPatch.render(.object(resource.body), resource)
        document["runs"] = .string("/runs?property=flowId==\(resource.id)")
        if let last = resource.body["lastOperation"] {
            document["lastOperation"] = [
                "started": .integer(resource.metadata.updatedAt), "updated": .integer(resource.metadata.updatedAt), "percentCompleted": 100.0,
                "status": ["value": "completed", "errors": []], "ops": last["ops"] ?? [], "operation": last["operation"] ?? "create",
            ]
        }
        return document
    }

    /// Where a flow's body names its source connection, as a JSON path (stores index it).
    public static let sourceConnectionReference = "$.sourceConnectionIds[0]"
    /// Where a flow's body names its target connection, as a JSON path (stores index it).
    public static let targetConnectionReference = "$.targetConnectionIds[0]"

    /// The source connection a flow reads from.
    public static func sourceConnectionId(of body: [String: JSONValue]) -> String? { body["sourceConnectionIds"]?.arrayValue?.first?.stringValue }
    /// The target connection a flow writes to.
    public static func targetConnectionId(of body: [String: JSONValue]) -> String? { body["targetConnectionIds"]?.arrayValue?.first?.stringValue }
}
