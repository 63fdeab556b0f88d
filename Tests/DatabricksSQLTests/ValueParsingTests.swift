// Cell values as Spark prints them become exact typed values.
import Testing

@testable import DatabricksSQL

@Suite("Value parsing")
struct ValueParsingTests {
    @Test func datesAndTimestamps() {
        #expect(SQLDateParsing.days("1970-01-01") == 0)
        #expect(SQLDateParsing.days("2000-03-01") == 11_017)
        #expect(SQLDateParsing.days("1969-12-31") == -1)
        #expect(SQLDateParsing.days("0001-01-01") == -719_162)
        #expect(SQLDateParsing.days("9999-12-31") == 2_932_896)
        #expect(SQLDateParsing.days("2021-13-01") == nil)
        #expect(SQLDateParsing.days("garbage") == nil)
        #expect(SQLDateParsing.microseconds("2021-06-15 12:34:56.789") == 1_623_760_496_789_000)
        #expect(SQLDateParsing.microseconds("2021-06-15 12:34:56.000001") == 1_623_760_496_000_001)
        #expect(SQLDateParsing.microseconds("1969-12-31 23:59:59.999999") == -1)
        #expect(SQLDateParsing.microseconds("2021-06-15") == 1_623_715_200_000_000)
        #expect(SQLDateParsing.microseconds("2021-06-15 25:00:00") == nil)
        #expect(SQLDateParsing.microseconds("2021-06-15 12:34:56.") == nil)
    }

    @Test func decimalsKeepEveryDigit() throws {
        let big = SQLDecimal(text: "-99999999999999999999999999999999999.999", precision: 38, scale: 3)
        let unscaled = try #require(big.unscaled)
        // -(10^38 - 1) in two's complement 128 bits.
        #expect(unscaled.high == -5_421_010_862_427_522_171 && unscaled.low == 0xF675_DDC0_0000_0001)
        #expect(SQLDecimal(text: "12.5", precision: 5, scale: 2).unscaled! == (0, 1250))
        #expect(SQLDecimal(text: "12.345", precision: 5, scale: 2).unscaled == nil)
        #expect(SQLDecimal(text: "0.00", precision: 5, scale: 2).unscaled! == (0, 0))
    }

    @Test func nullBitmapShorterThanTheColumn() {
        let column = ColumnValues(storage: .int32([0, 5, 0, 7, 9, 11, 13, 15, 17, 19]), nulls: NullBitmap(bytes: [0b0000_0101]))
        let values = (0..<column.count).map { column.value(at: $0, type: .int) }
        #expect(values == [.null, .int32(5), .null, .int32(7), .int32(9), .int32(11), .int32(13), .int32(15), .int32(17), .int32(19)])
        let floats = ColumnValues(storage: .double([0.1]), nulls: NullBitmap(bytes: []))
        #expect(floats.value(at: 0, type: .float) == .float(0.1))
        let text = ColumnValues(storage: .string(["[1,2]", "1-2", "123.40"]), nulls: NullBitmap(bytes: [0]))
        #expect(text.value(at: 0, type: .array) == .json("[1,2]"))
        #expect(text.value(at: 1, type: .intervalYearMonth) == .interval("1-2"))
        #expect(text.value(at: 2, type: .decimal(precision: 5, scale: 2)) == .decimal(SQLDecimal(text: "123.40", precision: 5, scale: 2)))
    }

    @Test func decimalsFromTheirUnscaledArrowValue() {
        func text(_ high: Int64, _ low: UInt64, scale: Int) -> String { SQLDecimal(unscaled: (high, low), precision: 38, scale: scale).text }
        #expect(text(0, 12_345, scale: 2) == "123.45")
        #expect(text(-1, UInt64(bitPattern: -5), scale: 3) == "-0.005")
        #expect(text(0, 0, scale: 0) == "0")
        #expect(text(0, 7, scale: 0) == "7")
        #expect(text(0, 100, scale: 2) == "1.00")
        // 10^38 - 1, the largest decimal(38, 0), and its negation.
        let max = (Int128(10).power38 - 1)
        #expect(text(Int64(truncatingIfNeeded: max >> 64), UInt64(truncatingIfNeeded: max), scale: 10) == "9999999999999999999999999999.9999999999")
        #expect(text(Int64(truncatingIfNeeded: -max >> 64), UInt64(truncatingIfNeeded: -max), scale: 0) == "-" + String(repeating: "9", count: 38))
        // Its unscaled value reads back.
        #expect(SQLDecimal(unscaled: (0, 12_345), precision: 10, scale: 2).unscaled! == (0, 12_345))
    }
}

extension Int128 {
    fileprivate var power38: Int128 { (0..<38).reduce(Int128(1)) { value, _ in value * self } }
}
