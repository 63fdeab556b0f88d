// JSON Patch against the RFC 6902 conformance suite.
import FlowModel
import Testing

@Suite("JSON Patch RFC 6902 conformance", .enabled(if: SharedFixtures.isAvailable, Comment(rawValue: SharedFixtures.skipMessage)))
struct JSONPatchConformanceTests {
    @Test("every case", arguments: ["tests.json", "spec_tests.json"])
    func suite(_ file: String) throws {
        // The suite holds a (disabled) case whose patch names `op` twice, which our parser refuses.
        let cases = try JSONValue(parsing: Array(SharedFixtures.data("json-patch-tests/\(file)")), lastMemberWins: true)
        var ran = 0
        for testCase in cases.arrayValue ?? [] where testCase["disabled"]?.boolValue != true {
            let comment = testCase["comment"]?.stringValue ?? testCase.jsonString()
            let document = testCase["doc"] ?? .null
            let result: JSONValue? = {
                guard let patch = try? JSONPatch(parsing: testCase["patch"] ?? .null) else { return nil }
                return try? patch.apply(to: document)
            }()
            if let expected = testCase["expected"] {
                #expect(result.map { $0.isJSONEqual(to: expected) } == true, "\(file): \(comment)")
            } else if testCase["error"] != nil {
                #expect(result == nil, "\(file): expected an error: \(comment)")
            } else {
                #expect(result != nil, "\(file): \(comment)")
            }
            ran += 1
        }
        #expect(ran > 10)
    }
}

@Suite("JSON Patch")
struct JSONPatchTests {
    @Test func operationNamesAreCaseInsensitive() throws {
        let patch = try JSONPatch(parsing: [["op": "REPLACE", "path": "/name", "value": "b"], ["op": "Add", "path": "/d", "value": 1]])
        #expect(try patch.apply(to: ["name": "a"]) == ["name": "b", "d": 1])
    }

    @Test func failedPatchLeavesNothingHalfApplied() throws {
        let patch = try JSONPatch(parsing: [["op": "replace", "path": "/name", "value": "b"], ["op": "remove", "path": "/missing"]])
        #expect(throws: JSONPatchError.self) { try patch.apply(to: ["name": "a"]) }
    }
}
