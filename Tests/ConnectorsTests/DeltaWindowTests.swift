// A run's window as SQL: bounds as exact instants, zone-less columns read in the flow's time zone,
// the first window taking the rows without a delta value, and columns that hold no time refused.
import Connectors
import Testing

@Suite("Delta windows")
struct DeltaWindowTests {
    @Test func windowsAreInstantBoundsOnTheDeltaColumn() throws {
        let timestamp = SourceColumn(name: "updated at", typeName: "timestamp")
        let between = try DeltaWindow(column: timestamp, after: 1_000, through: 2_000)
        #expect(between.condition == "(`updated at` > timestamp_millis(1000) AND `updated at` <= timestamp_millis(2000))")
        let first = try DeltaWindow(column: timestamp, after: nil, through: 2_000)
        #expect(first.condition == "(`updated at` <= timestamp_millis(2000) OR `updated at` IS NULL)")
        #expect(try DeltaWindow(column: timestamp, after: nil, through: nil).condition == nil)
        #expect(try DeltaWindow(column: timestamp, after: 5, through: nil).condition == "(`updated at` > timestamp_millis(5))")

        let text = SourceColumn(name: "changed", typeName: "string")
        #expect(
            try DeltaWindow(column: text, after: 1, through: 2).condition
                == "(CAST(`changed` AS TIMESTAMP) > timestamp_millis(1) AND CAST(`changed` AS TIMESTAMP) <= timestamp_millis(2))"
        )
        let berlin = try DeltaWindow(column: SourceColumn(name: "day", typeName: "date"), timezone: "Europe/Berlin", after: 1, through: nil)
        #expect(berlin.condition == "(to_utc_timestamp(CAST(`day` AS TIMESTAMP), 'Europe/Berlin') > timestamp_millis(1))")
        let hostile = try DeltaWindow(
            column: SourceColumn(name: "a`b", typeName: "timestamp_ntz"),
            timezone: "x'); DROP TABLE t; --",
            after: 1,
            through: nil
        )
        #expect(hostile.condition == #"(to_utc_timestamp(CAST(`a``b` AS TIMESTAMP), 'x\'); DROP TABLE t; --') > timestamp_millis(1))"#)

        for type in ["bigint", "int", "double", "boolean", "binary", "array<int>"] {
            #expect(throws: ConnectorError.self) { try DeltaWindow(column: SourceColumn(name: "n", typeName: type), after: nil, through: 1) }
        }
    }
}
