// Adobe's examples send numbers and booleans as strings (`"interval": "15"`, `"backfill": "true"`)
// and strings as numbers (`"mappingVersion": 0`); Flow Service accepts them. Coercion turns such a
// scalar into the type the spec's schema names before the schema is checked, so what is stored is
// always of the declared type.

extension JSONSchema {
    /// `instance` with scalars converted to the `type` the schema declares where the conversion is
    /// exact: numeric strings to integers or numbers, `"true"`/`"false"` to booleans, integers to
    /// strings. Objects are followed through `properties`; anything else is left for validation.
    public func coercingScalars(_ instance: JSONValue) -> JSONValue {
        Self.coerce(instance, document)
    }

    static func coerce(_ instance: JSONValue, _ schema: JSONValue) -> JSONValue {
        switch instance {
        case .object(var members):
            guard let properties = schema["properties"]?.objectValue else { return instance }
            for (name, value) in members {
                if let property = properties[name] { members[name] = coerce(value, property) }
            }
            return .object(members)
        case .string(let text):
            switch schema["type"]?.stringValue {
            case "integer": return Int64(text.trimmingCharacters(in: " ")).map(JSONValue.integer) ?? instance
            case "number":
                if let integer = Int64(text) { return .integer(integer) }
                guard let number = Double(text), number.isFinite else { return instance }
                return .number(number)
            case "boolean":
                switch text.lowercased() {
                case "true": return .bool(true)
                case "false": return .bool(false)
                default: return instance
                }
            default: return instance
            }
        case .integer(let value):
            return schema["type"]?.stringValue == "string" ? .string(String(value)) : instance
        default:
            return instance
        }
    }
}
