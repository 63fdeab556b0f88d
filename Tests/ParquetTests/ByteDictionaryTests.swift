import TestSupport
import Testing

// The string and binary dictionary against Swift's own Dictionary: the same values get the same
// numbers, in the order first seen, across the index's growth, with empty and long values and values
// alike but for their length or last byte; the page is the PLAIN encoding of the entries.
@testable import Parquet

@Suite("A column's byte dictionary")
struct ByteDictionaryTests {
    @Test func numbersValuesInTheOrderFirstSeenLikeASwiftDictionary() {
        var random = SplitMix64(seed: 15)
        // Values alike: prefixes of one another, trailing zero bytes, lengths across the 8-byte steps.
        let pool: [[UInt8]] = (0..<5_000).map { index in
            switch index % 4 {
            case 0: return Array(repeating: 0, count: index % 19)
            case 1: return Array("value \(index / 4)".utf8)
            case 2: return (0..<(Int(random.next() % 40))).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            default: return Array("value \(index / 4)".utf8) + [0]
            }
        }
        var dictionary = ByteDictionary()
        var reference: [[UInt8]: UInt32] = [:]
        var expectedPage: [UInt8] = []
        for _ in 0..<40_000 {
            let value = pool[Int(random.next() % UInt64(pool.count))]
            let (number, inserted) = value.withUnsafeBufferPointer { dictionary.number(of: $0) }
            if let known = reference[value] {
                #expect(!inserted && number == known, "\(value)")
            } else {
                #expect(inserted && number == UInt32(reference.count), "\(value)")
                reference[value] = number
                expectedPage.appendLittleEndian(UInt32(value.count))
                expectedPage += value
            }
        }
        #expect(dictionary.count == reference.count && reference.count > 1_024, "the index grew past its first size")
        #expect(dictionary.page == expectedPage)

        // Dropping the index keeps the entries for the dictionary page.
        dictionary.dropIndex()
        #expect(dictionary.count == reference.count && dictionary.page == expectedPage)
        dictionary.removeAll()
        #expect(dictionary.count == 0 && dictionary.page.isEmpty)
        let again = [UInt8]("value 1".utf8).withUnsafeBufferPointer { dictionary.number(of: $0) }
        #expect(again.number == 0 && again.inserted)
    }

    @Test func anEmptyValueIsAnEntryLikeAnyOther() {
        var dictionary = ByteDictionary()
        let empty = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        #expect(dictionary.number(of: empty) == (0, true))
        #expect([UInt8]().withUnsafeBufferPointer { dictionary.number(of: $0) } == (0, false))
        #expect([UInt8]([0]).withUnsafeBufferPointer { dictionary.number(of: $0) } == (1, true))
        #expect(dictionary.number(of: empty) == (0, false))
        #expect(dictionary.page == [0, 0, 0, 0, 1, 0, 0, 0, 0])
    }
}
