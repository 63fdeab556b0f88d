import DatabricksSQL
import FlowModel
import Testing

// The Spark/Databricks → XDM type table (docs/type-mapping.md) and the JSON a preview shows for
// each value.
@testable import Connectors

@Suite("Type mapping")
struct TypeMappingTests {
    @Test(
        arguments: [
            ("boolean", "boolean", nil, nil), ("tinyint", "integer", nil, "byte"), ("smallint", "integer", nil, "short"),
            ("int", "integer", nil, "int"), ("bigint", "integer", nil, "long"), ("float", "number", nil, nil),
            ("double", "number", nil, nil), ("decimal(15,2)", "number", nil, nil), ("decimal(38,10)", "string", nil, nil),
            ("string", "string", nil, nil), ("varchar(10)", "string", nil, nil), ("char(3)", "string", nil, nil),
            ("binary", "string", nil, nil), ("date", "string", "date", "date"), ("timestamp", "string", "date-time", "date-time"),
            ("timestamp_ntz", "string", "date-time", "date-time"), ("array<int>", "array", nil, nil),
            ("map<string,int>", "object", nil, nil), ("struct<a:int,b:string>", "object", nil, nil),
            ("interval day to second", "string", nil, nil), ("void", "string", nil, nil),
        ] as [(String, String, String?, String?)]
    )
    func sparkTypesMapToXDM(_ sparkType: String, _ xdmType: String, _ format: String?, _ metaType: String?) {
        let column = SourceColumn(name: "c", typeName: sparkType.uppercased())
        #expect(column.xdm == XDMType(type: xdmType, format: format, metaType: metaType))
        #expect(column.document["xdm"]?["type"] == .string(xdmType))
        #expect(column.document["meta:xdmType"] == metaType.map(JSONValue.string))
    }

    @Test func complexTypeNamesKeepTheirFieldNames() {
        #expect(SourceColumn(name: "s", typeName: "STRUCT<CamelCase: INT>").sourceType == "STRUCT<CamelCase: INT>")
        #expect(SourceColumn(name: "d", typeName: "DECIMAL(10,2)").sourceType == "decimal(10,2)")
    }

    @Test func previewValuesAreExactJSON() {
        let narrow = SourceColumn(name: "d", typeName: "decimal(15,2)")
        let wide = SourceColumn(name: "d", typeName: "decimal(38,10)")
        let text = SourceColumn(name: "t", typeName: "string")
        #expect(narrow.json(.decimal(SQLDecimal(text: "1234567890123.45", precision: 15, scale: 2))) == .number(1234567890123.45))
        #expect(
            wide.json(.decimal(SQLDecimal(text: "1234567890123456789012345678.1234567890", precision: 38, scale: 10)))
                == .string("1234567890123456789012345678.1234567890")
        )
        #expect(text.json(.float(0.1)) == .number(0.1))
        #expect(text.json(.double(.nan)) == .string("nan"))
        #expect(text.json(.date(0)) == .string("1970-01-01"))
        #expect(text.json(.date(-719_162)) == .string("0001-01-01"))
        #expect(text.json(.date(2_932_896)) == .string("9999-12-31"))
        #expect(text.json(.timestamp(1_655_856_000_000_000)) == .string("2022-06-22T00:00:00Z"))
        #expect(text.json(.timestamp(-1)) == .string("1969-12-31T23:59:59.999999Z"))
        #expect(text.json(.timestamp(1_500_000)) == .string("1970-01-01T00:00:01.5Z"))
        #expect(text.json(.binary([0, 255])) == .string("AP8="))
        #expect(text.json(.json(#"{"a":[1,null]}"#)) == ["a": [1, .null]])
        #expect(text.json(.int8(-128)) == .integer(-128))
        #expect(text.json(.null) == .null)
    }
}

@Suite("Source error messages")
struct SourceErrorMessageTests {
    @Test func sparkErrorsAreCutToWhatAUserNeeds() {
        let schema = """
            Error running query: [SCHEMA_NOT_FOUND] org.apache.spark.sql.catalyst.analysis.NoSuchNamespaceException: [SCHEMA_NOT_FOUND] \
            The schema `spark_catalog`.`probe` cannot be found. Verify the spelling and correctness of the schema and catalog.
            If you did not qualify the name with a catalog, verify the current_schema() output.
            """
        let error = SparkSQLSource.classify(DatabricksSQLError(.sql, schema, sqlState: "42704"))
        #expect(error.reason == .databaseNotFound)
        #expect(
            error.message
                == "the database does not exist: [SCHEMA_NOT_FOUND] The schema `spark_catalog`.`probe` cannot be found. Verify the spelling and correctness of the schema and catalog."
        )
        let table =
            "Error running query: [TABLE_OR_VIEW_NOT_FOUND] [TABLE_OR_VIEW_NOT_FOUND] The table or view `probe`.`nope` cannot be found.\n'DescribeRelation false"
        let missing = SparkSQLSource.classify(DatabricksSQLError(.sql, table, sqlState: "42P01"))
        #expect(
            missing.reason == .tableNotFound
                && missing.message == "the table does not exist: [TABLE_OR_VIEW_NOT_FOUND] The table or view `probe`.`nope` cannot be found."
        )
    }
}
