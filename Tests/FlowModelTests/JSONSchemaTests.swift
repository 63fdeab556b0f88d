// What users see when their auth params fail the spec's schema: the field named, never its value.
import FlowModel
import Testing

@Suite("JSON Schema messages")
struct JSONSchemaTests {
    let schema = JSONSchema([
        "type": "object",
        "properties": [
            "domain": ["type": "string", "pattern": "^https://"],
            "accessToken": ["type": "string", "format": "password", "minLength": 8],
        ],
        "required": ["domain", "accessToken"],
        "additionalProperties": false,
    ])

    @Test func missingFieldIsNamed() {
        let violations = schema.validate(["domain": "https://x"])
        #expect(violations.map(\.instancePath) == ["/accessToken"])
        #expect(violations.first?.message.contains("'accessToken' is required") == true)
    }

    @Test func secretValueNeverAppearsInMessages() {
        let secret = "dapi-short"
        let violations = schema.validate(["domain": "ftp://example", "accessToken": .integer(5), "extra": .string(secret)])
        #expect(Set(violations.map(\.keyword)) == ["pattern", "type", "additionalProperties"])
        for violation in violations {
            #expect(!violation.message.contains(secret))
            #expect(!violation.message.contains("ftp://example"))
        }
    }

    @Test func passwordPropertiesAreTheSecrets() {
        #expect(schema.secretPropertyNames == ["accessToken"])
    }
}
