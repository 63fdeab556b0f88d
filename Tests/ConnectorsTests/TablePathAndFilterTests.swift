// Table paths and row filters: what a user sends in `object` and `filters` is parsed within limits
// and can only ever become quoted names and escaped values in the SQL.
import Connectors
import FlowModel
import Foundation
import Testing

@Suite("Table paths")
struct TablePathTests {
    @Test func plainAndQuotedPartsRoundTrip() throws {
        let simple = try TablePath(parsing: "test1.Mytable")
        #expect(simple.parts == ["test1", "Mytable"])
        #expect(simple.text == "test1.Mytable" && simple.displayName == "test1.Mytable")

        let hostile = try TablePath(["global_temp", "it's a \"view\" with `ticks.and.dots"])
        #expect(hostile.text == "global_temp.`it's a \"view\" with ``ticks.and.dots`")
        #expect(try TablePath(parsing: hostile.text) == hostile)

        let three = try TablePath(parsing: "`main`.sales.`order lines`")
        #expect(three.catalog == "main" && three.database == "sales" && three.table == "order lines")
        // A plain part may hold spaces and quotes; only dots and backticks need quoting.
        #expect(try TablePath(parsing: "db.my table").table == "my table")
    }

    @Test(arguments: [
        "", ".", "a.", ".a", "a..b", "a.b.c.d", "`unclosed", "a`b", "`a`b", "db.`t`x", "a\u{0}b", "db.t\nDROP",
        String(repeating: "a", count: 256), String(repeating: "a.", count: 600) + "a",
    ])
    func malformedPathsAreRejected(_ text: String) {
        #expect(throws: ConnectorError.self) { try TablePath(parsing: text) }
        do {
            _ = try TablePath(parsing: text)
        } catch {
            #expect(error.reason == .invalidObject)
        }
    }
}

@Suite("Row filters")
struct RowFilterTests {
    let columns = [
        SourceColumn(name: "city", typeName: "string"), SourceColumn(name: "age", typeName: "int"),
        SourceColumn(name: "col one", typeName: "double"), SourceColumn(name: "we`ird", typeName: "string"),
    ]

    func encoded(_ json: String) -> String { Data(json.utf8).base64EncodedString() }

    @Test func adobesExampleFilterBecomesAQuotedCondition() throws {
        let pql =
            #"{"type":"PQL","format":"pql/json","value":{"nodeType":"fnApply","fnName":"=","params":[{"nodeType":"fieldLookup","fieldName":"city"},{"nodeType":"literal","value":"DDN"}]}}"#
        let filter = try RowFilter(base64: encoded(pql))
        #expect(try filter.sql(columns: columns) == "`city` = 'DDN'")
    }

    @Test func everyOperatorIsWritten() throws {
        let pql = #"""
            {"nodeType":"fnApply","fnName":"and","params":[
              {"nodeType":"fnApply","fnName":"or","params":[
                {"nodeType":"fnApply","fnName":"like","params":[{"nodeType":"fieldLookup","fieldName":"city"},{"nodeType":"literal","value":"D%"}]},
                {"nodeType":"fnApply","fnName":"in","params":[{"nodeType":"fieldLookup","fieldName":"CITY"},{"nodeType":"literal","value":["A","B"]}]}]},
              {"nodeType":"fnApply","fnName":"NOT","params":[{"nodeType":"fnApply","fnName":"isNull","params":[{"nodeType":"fieldLookup","fieldName":"age"}]}]},
              {"nodeType":"fnApply","fnName":">=","params":[{"nodeType":"fieldLookup","fieldName":"age"},{"nodeType":"literal","value":18}]},
              {"nodeType":"fnApply","fnName":"!=","params":[{"nodeType":"fieldLookup","fieldName":"col one"},{"nodeType":"literal","value":2.5}]},
              {"nodeType":"fnApply","fnName":"<","params":[{"nodeType":"fieldLookup","fieldName":"age"},{"nodeType":"literal","value":65}]},
              {"nodeType":"fnApply","fnName":"in","params":[{"nodeType":"fieldLookup","fieldName":"age"},{"nodeType":"literal","value":1},{"nodeType":"literal","value":2}]}]}
            """#
        let sql = try RowFilter(pql: JSONValue(parsing: Data(pql.utf8))).sql(columns: columns)
        #expect(
            sql
                == "((`city` LIKE 'D%' OR `city` IN ('A', 'B')) AND (NOT `age` IS NULL) AND `age` >= 18 AND `col one` <> 2.5D AND `age` < 65 AND `age` IN (1, 2))"
        )
    }

    @Test func hostileValuesAndNamesStayInsideTheirQuotes() throws {
        let value = "x' OR '1'='1'; DROP TABLE t; -- \\' \u{2028}"
        let filter = RowFilter.compare("we`ird", .equal, .string(value))
        let sql = try filter.sql(columns: columns)
        #expect(sql == "`we``ird` = 'x\\' OR \\'1\\'=\\'1\\'; DROP TABLE t; -- \\\\\\' \u{2028}'")
        // A field that is not a column is refused, whatever it holds.
        #expect(throws: ConnectorError.self) { try RowFilter.isNull("city` IS NULL OR 1=1 --").sql(columns: columns) }
    }

    @Test(arguments: [
        "not base64 !!!", Data("{not json".utf8).base64EncodedString(),
        Data(#"{"nodeType":"fnApply","fnName":"drop","params":[]}"#.utf8).base64EncodedString(),
        Data(
            #"{"nodeType":"fnApply","fnName":"=","params":[{"nodeType":"fieldLookup","fieldName":"city"},{"nodeType":"literal","value":null}]}"#.utf8
        ).base64EncodedString(),
        Data(#"{"nodeType":"fnApply","fnName":"=","params":[{"nodeType":"literal","value":1},{"nodeType":"fieldLookup","fieldName":"city"}]}"#.utf8)
            .base64EncodedString(),
        Data(
            #"{"nodeType":"fnApply","fnName":"and","params":[{"nodeType":"fnApply","fnName":"isNull","params":[{"nodeType":"fieldLookup","fieldName":"city"}]}]}"#
                .utf8
        ).base64EncodedString(),
        Data(#"{"type":"SQL","value":{"nodeType":"fnApply","fnName":"isNull","params":[{"nodeType":"fieldLookup","fieldName":"city"}]}}"#.utf8)
            .base64EncodedString(),
    ])
    func invalidFiltersAreRejected(_ text: String) {
        #expect(throws: ConnectorError.self) { try RowFilter(base64: text) }
    }

    @Test func filtersAreBoundedInDepthAndSize() {
        var node = #"{"nodeType":"fnApply","fnName":"isNull","params":[{"nodeType":"fieldLookup","fieldName":"city"}]}"#
        for _ in 0..<40 { node = #"{"nodeType":"fnApply","fnName":"NOT","params":["# + node + "]}" }
        #expect(throws: ConnectorError.self) { try RowFilter(base64: encoded(node)) }
        let values = (0..<2000).map { #"{"nodeType":"literal","value":\#($0)}"# }.joined(separator: ",")
        let wide = #"{"nodeType":"fnApply","fnName":"in","params":[{"nodeType":"fieldLookup","fieldName":"age"},"# + values + "]}"
        #expect(throws: ConnectorError.self) { try RowFilter(base64: encoded(wide)) }
        #expect(throws: ConnectorError.self) { try RowFilter(base64: String(repeating: "A", count: 70_000)) }
    }
}
