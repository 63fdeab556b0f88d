// The validator against the official JSON-Schema draft-07 suite, for every keyword it claims.
import FlowModel
import Foundation
import Testing

@Suite("JSON Schema draft-07 conformance", .enabled(if: SharedFixtures.isAvailable, Comment(rawValue: SharedFixtures.skipMessage)))
struct JSONSchemaConformanceTests {
    /// The suite's files for the keywords the validator supports, each run in full. (`definitions.json`
    /// only checks a schema against the remote draft-07 metaschema, which is not resolved.)
    static let claimedFiles = [
        "additionalItems", "additionalProperties", "allOf", "anyOf", "boolean_schema", "const", "contains",
        "default", "dependencies", "enum", "exclusiveMaximum", "exclusiveMinimum", "format",
        "if-then-else", "infinite-loop-detection", "items", "maxItems", "maxLength", "maxProperties", "maximum",
        "minItems", "minLength", "minProperties", "minimum", "multipleOf", "not", "oneOf", "pattern",
        "patternProperties", "properties", "propertyNames", "ref", "required", "type", "uniqueItems",
    ]

    /// Groups that need what the validator deliberately lacks: `$id` base-URI resolution and
    /// remote references (Flow Service specs only refer within their own document).
    static let unsupportedGroups: Set<String> = [
        "$ref prevents a sibling $id from changing the base uri",
        "remote ref, containing refs itself",
        "Recursive references between schemas",
        "Location-independent identifier",
        "Reference an anchor with a non-relative URI",
        "Location-independent identifier with base URI change in subschema",
        "refs with relative uris and defs",
        "relative refs with absolute uris and defs",
        "$id must be resolved against nearest parent, not just immediate parent",
        "simple URN base URI with $ref via the URN",
        "simple URN base URI with JSON pointer",
        "URN base URI with NSS",
        "URN base URI with r-component",
        "URN base URI with q-component",
        "URN base URI with URN and JSON pointer ref",
        "URN base URI with URN and anchor ref",
        "ref with absolute-path-reference",
        "$id with file URI still resolves pointers - *nix",
        "$id with file URI still resolves pointers - windows",
        "naive replacement of $ref with its destination is not correct",
        "ref to if", "ref to then", "ref to else",
        "remote ref",
    ]

    @Test("every test case of the claimed keyword files", arguments: claimedFiles)
    func suiteFile(_ name: String) throws {
        let groups = try JSONValue(parsing: Array(SharedFixtures.data("json-schema-test-suite/draft7/\(name).json")))
        var checked = 0
        for group in groups.arrayValue ?? [] {
            let description = group["description"]?.stringValue ?? ""
            if Self.unsupportedGroups.contains(description) { continue }
            let schema = JSONSchema(group["schema"]!)
            for test in group["tests"]?.arrayValue ?? [] {
                let expected = test["valid"]?.boolValue
                let actual = schema.isValid(test["data"]!)
                #expect(actual == expected, "\(name): \(description) — \(test["description"]?.stringValue ?? "")")
                checked += 1
            }
        }
        #expect(checked > 0, "no test case ran for \(name)")
    }
}
