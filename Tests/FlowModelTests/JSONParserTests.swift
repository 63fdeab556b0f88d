// JSON text as clients and the store send it: every value type, escapes and surrogate pairs,
// integers kept apart from fractions, and the texts that are not JSON refused with a reason.
import FlowModel
import Foundation
import Testing

@Suite("JSON parsing")
struct JSONParserTests {
    func parse(_ text: String) throws -> JSONValue { try JSONValue(parsing: text) }

    func reason(_ text: String) -> String? {
        do {
            _ = try JSONValue(parsing: text)
            return nil
        } catch {
            return error.detailedMessage
        }
    }

    @Test func valuesOfEveryType() throws {
        #expect(
            try parse(#" {"a": [1, -2, 3.5, 1.0, 1e2, -0, true, false, null, "x"], "b": {}, "c": []} "#)
                == ["a": [1, -2, 3.5, 1.0, 100.0, 0, true, false, nil, "x"], "b": [:], "c": []]
        )
        #expect(try parse("9223372036854775807") == .integer(Int64.max))
        #expect(try parse("9223372036854775808") == .number(9_223_372_036_854_775_808), "beyond 64 bits: a fraction-capable number")
        #expect(try parse("1.0") == .number(1.0), "a fraction stays a fraction")
    }

    @Test func stringsWithEscapesAndTextBeyondASCII() throws {
        #expect(try parse(#""q\"b\\s\/n\nt\tu\u00e9\ud83d\ude00""#) == .string("q\"b\\s/n\nt\tué😀"))
        #expect(try parse(#""ünïcode 😀""#) == .string("ünïcode 😀"))
        #expect(
            try JSONValue(parsing: Array(JSONValue.string("a\"\u{1}\u{7f}é").jsonString().utf8)) == .string("a\"\u{1}\u{7f}é"),
            "what we print we read"
        )
    }

    @Test func whatWeWriteReadsBackAsTheSameValue() throws {
        let value: JSONValue = [
            "b": [1.0, 2.5e-7, -0.0, 1e300, .integer(Int64.min), "\u{0}\u{1f}\"\\/é😀", nil, true, [:], []],
            "a": ["nested": ["z": 1, "y": "x"]], "é": false, "": 0,
        ]
        let text = value.jsonString()
        #expect(try parse(text) == value, "\(text)")
        #expect(text.hasPrefix(#"{"":0,"a":{"nested":{"y":"x","z":1}},"b":[1.0,"#), "members sorted, fractions keep their fraction part")
        #expect(JSONValue.array([.number(.nan), .number(.infinity)]).jsonString() == "[null,null]")
    }

    @Test func textsThatAreNotJSONAreRefusedWithTheReason() {
        #expect(reason(#"{"op": "add", "op": "remove"}"#)?.contains("the member 'op' appears twice") == true)
        #expect(reason(#"{"a": {"b": 1, "b": 1}}"#)?.contains("appears twice") == true)
        #expect(reason("[1,]")?.contains("unexpected character") == true)
        #expect(reason("{} x")?.contains("after the value") == true)
        #expect(reason(#""a\u0009b\ud800""#)?.contains("lone surrogate") == true)
        #expect(reason("\"tab\there\"") != nil, "control characters must be escaped")
        #expect(reason("01") != nil)
        #expect(reason("1.") != nil)
        #expect(reason("1e") != nil)
        #expect(reason("-") != nil)
        #expect(reason("1e999")?.contains("out of range") == true)
        #expect(reason("NaN") != nil)
        #expect(reason("") != nil)
        #expect(reason(#"{"a" 1}"#) != nil)
        #expect(reason(#""\x""#)?.contains("invalid escape") == true)
        #expect(reason(String(repeating: "[", count: 600) + String(repeating: "]", count: 600))?.contains("nested deeper") == true)
        #expect((try? JSONValue(parsing: [0x22, 0xFF, 0x22])) == nil, "not UTF-8")
        #expect((try? JSONValue(parsing: #"{"op": 1, "op": 2}"#.utf8, lastMemberWins: true)) == ["op": 2])
    }
}

@Suite("Resource metadata as JSON")
struct ResourceMetadataJSONTests {
    @Test func theMembersAreTheCodableFormAndReadBack() throws {
        let metadata = ResourceMetadata(
            id: "a",
            caller: Caller(clientId: "c", scope: TenantScope(orgId: "o", sandboxName: "prod", sandboxId: "s")),
            now: 42
        )
        #expect(JSONValue.object(metadata.members) == JSONCoding.value(of: metadata))
        #expect(ResourceMetadata(json: .object(metadata.members)) == metadata)
        var missing = metadata.members
        missing["etag"] = nil
        #expect(ResourceMetadata(json: .object(missing)) == nil)
    }
}
