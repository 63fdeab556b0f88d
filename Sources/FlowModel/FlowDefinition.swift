// A dataflow as the service reads it: which source and target connections, the delta column the
// Copy transformation reads incrementally by, the mapping set, the schedule and the options —
// checked against the flow spec, with Adobe's string-typed numbers and booleans accepted.
import Foundation

/// The parts of a flow that decide what a run does.
public struct FlowDefinition: Sendable, Hashable {
    /// The delta column of the Copy transformation.
    public struct DeltaColumn: Sendable, Hashable {
        /// The column's name.
        public var name: String
        /// The time zone of its values when they carry none (dates, strings, timestamps without
        /// zone), an IANA identifier; `UTC` by default.
        public var timezone: String
    }

    /// The flow spec's id.
    public var flowSpecId: String
    /// The one source connection.
    public var sourceConnectionId: String
    /// The one target connection.
    public var targetConnectionId: String
    /// The column rows are read incrementally by.
    public var deltaColumn: DeltaColumn
    /// The mapping set's id.
    public var mappingId: String
    /// When it runs.
    public var schedule: FlowSchedule
    /// The share (0–100) of a batch's rows that may fail mapping before the run fails; 0 by default.
    public var partialIngestionPercent: Double
    /// Whether samples of failed rows are kept on the run.
    public var errorDiagnosticsEnabled: Bool
    /// Whether the flow is enabled.
    public var enabled: Bool

    /// Reads a flow's stored body.
    public init(body: [String: JSONValue]) throws(FlowError) {
        flowSpecId = body["flowSpec"]?["id"]?.stringValue ?? ""
        sourceConnectionId = body["sourceConnectionIds"]?.arrayValue?.first?.stringValue ?? ""
        targetConnectionId = body["targetConnectionIds"]?.arrayValue?.first?.stringValue ?? ""
        let transformations = body["transformations"]?.arrayValue ?? []
        let copy = transformations.first { $0["name"]?.stringValue == "Copy" }?["params"]
        let mapping = transformations.first { $0["name"]?.stringValue == "Mapping" }?["params"]
        guard let deltaName = copy?["deltaColumn"]?["name"]?.stringValue else {
            throw FlowError.invalidRequest("The Copy transformation needs params.deltaColumn.name: the column rows are read incrementally by.")
        }
        deltaColumn = DeltaColumn(name: deltaName, timezone: copy?["deltaColumn"]?["timezone"]?.stringValue ?? "UTC")
        guard let mappingId = mapping?["mappingId"]?.stringValue else {
            throw FlowError.invalidRequest("The Mapping transformation needs params.mappingId: the id of a mapping set.")
        }
        self.mappingId = mappingId
        schedule = try FlowSchedule(body["scheduleParams"] ?? .null)
        partialIngestionPercent = body["options"]?["partialIngestionPercent"]?.doubleValue ?? 0
        errorDiagnosticsEnabled = body["options"]?["errorDiagnosticsEnabled"]?.boolValue ?? false
        enabled = body["state"]?.stringValue != "disabled"
    }
}

extension FlowDefinition {
    /// The longest name of a delta column or mapping id accepted.
    static let maximumNameLength = 256

    /// The client's fields of a create body, checked against the flow spec, as stored (coerced).
    static func validatedFields(_ members: [String: JSONValue]) throws(FlowError) -> [String: JSONValue] {
        var body = try ConnectionFields.nameAndDescription(members)
        guard let reference = members["flowSpec"]?.objectValue, let specId = reference["id"]?.stringValue else {
            throw FlowError.invalidRequest("'flowSpec.id' is required: the database flow spec is \(FlowSpec.databaseToDataLakeId) (CRMToAEP).")
        }
        guard let spec = FlowSpec.standard.first(where: { $0.id == specId.lowercased() }) else {
            throw FlowError.unknownSpec(String(specId.prefix(100)))
        }
        if let version = reference["version"], version != .null, version.stringValue != "1.0" {
            throw FlowError.invalidRequest("'flowSpec.version' must be \"1.0\" (or omitted).", code: "1413-400")
        }
        body["flowSpec"] = ["id": .string(spec.id), "version": "1.0"]
        for side in ["sourceConnectionIds", "targetConnectionIds"] {
            guard let ids = members[side]?.arrayValue, ids.count == 1, let id = ids[0].stringValue, (1...128).contains(id.count) else {
                throw FlowError.invalidRequest("'\(side)' must hold exactly one connection id.")
            }
            body[side] = [.string(id)]
        }
        body["transformations"] = try transformations(members["transformations"], spec: spec)
        guard let schedule = members["scheduleParams"], case .object = schedule else {
            throw FlowError.invalidRequest(#"'scheduleParams' is required, e.g. {"startTime": 1612310466, "frequency": "minute", "interval": 15}."#)
        }
        body["scheduleParams"] = try checked(schedule, against: spec.document["scheduleSpec"]?["spec"], name: "scheduleParams")
        _ = try FlowSchedule(body["scheduleParams"]!)
        if let options = members["options"], options != .null {
            body["options"] = try checked(options, against: spec.document["optionSpec"]?["spec"], name: "options")
        }
        return body
    }

    /// `value` coerced to the schema's types and valid against it; `name` prefixes the messages.
    static func checked(_ value: JSONValue, against schema: JSONValue?, name: String) throws(FlowError) -> JSONValue {
        guard let schema else { return value }
        let schemaValue = JSONSchema(schema)
        let coerced = schemaValue.coercingScalars(value)
        let violations = schemaValue.validate(coerced)
        guard violations.isEmpty else {
            throw FlowError.invalidRequest(violations.prefix(10).map { "\(name): \($0.message)" }.joined(separator: "; ") + ".")
        }
        if case .object(let members) = coerced {
            let known = Set((schema["properties"]?.objectValue ?? [:]).keys)
            for key in members.keys.sorted() where !known.contains(key) {
                throw FlowError.invalidRequest(
                    "Unknown field '\(name).\(key.prefix(100))'. Allowed fields: \(known.sorted().joined(separator: ", "))."
                )
            }
        }
        return coerced
    }

    /// The Copy and Mapping transformations, each once, with their params checked.
    static func transformations(_ value: JSONValue?, spec: FlowSpec) throws(FlowError) -> JSONValue {
        guard let list = value?.arrayValue, !list.isEmpty else {
            throw FlowError.invalidRequest(
                "'transformations' is required: a Copy transformation with the delta column and a Mapping transformation with the mapping set."
            )
        }
        let specs = spec.document["transformationSpecs"]?.arrayValue ?? []
        var result: [JSONValue] = []
        var seen: Set<String> = []
        for item in list {
            guard let name = item["name"]?.stringValue, let transformationSpec = specs.first(where: { $0["name"]?.stringValue == name }) else {
                throw FlowError.invalidRequest(
                    "Each transformation needs a 'name' of \(specs.compactMap { $0["name"]?.stringValue }.joined(separator: " or "))."
                )
            }
            guard seen.insert(name).inserted else { throw FlowError.invalidRequest("The \(name) transformation is given twice.") }
            let params = try checked(item["params"] ?? .object([:]), against: transformationSpec["spec"], name: "transformations.\(name).params")
            if name == "Copy" {
                let delta = params["deltaColumn"]
                guard let column = delta?["name"]?.stringValue, (1...maximumNameLength).contains(column.count) else {
                    throw FlowError.invalidRequest(
                        "transformations.Copy.params.deltaColumn.name must name a column (1–\(maximumNameLength) characters)."
                    )
                }
                if let zone = delta?["timezone"]?.stringValue, TimeZone(identifier: zone) == nil {
                    throw FlowError.invalidRequest(
                        "transformations.Copy.params.deltaColumn.timezone '\(zone.prefix(64))' is not a time zone identifier such as UTC or Europe/Berlin."
                    )
                }
            }
            if name == "Mapping", let id = params["mappingId"]?.stringValue, !(1...maximumNameLength).contains(id.count) {
                throw FlowError.invalidRequest("transformations.Mapping.params.mappingId must be a mapping set id.")
            }
            result.append(["name": .string(name), "params": params])
        }
        for required in ["Copy", "Mapping"] where !seen.contains(required) {
            throw FlowError.invalidRequest("The \(required) transformation is required for database sources.")
        }
        return .array(result)
    }
}
