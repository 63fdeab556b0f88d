// Bulk readers for lists of primitives in the binary protocol: the hot path of result fetching,
// one bounds check per list instead of one per value.

extension ThriftBinaryReader {
    /// Checks that `count` elements of `width` bytes remain, and advances past them.
    @inlinable
    mutating func takeElements(_ count: Int, width: Int) throws(ThriftError) -> Int {
        guard count >= 0, count <= (bytes.count - position) / width else {
            throw ThriftError(.invalidLength, "list of \(count) \(width)-byte values exceeds the input")
        }
        let start = position
        position += count * width
        return start
    }

    /// `count` booleans (list elements).
    public mutating func readBoolValues(count: Int) throws(ThriftError) -> [Bool] {
        let start = try takeElements(count, width: 1)
        return bytes[start..<start + count].map { $0 != 0 }
    }

    /// `count` signed bytes.
    public mutating func readI8Values(count: Int) throws(ThriftError) -> [Int8] {
        let start = try takeElements(count, width: 1)
        return bytes[start..<start + count].map { Int8(bitPattern: $0) }
    }

    /// `count` big-endian integers of `type`'s width.
    @inlinable
    mutating func readBigEndianValues<T: FixedWidthInteger>(_ type: T.Type, count: Int) throws(ThriftError) -> [T] {
        let width = MemoryLayout<T>.size
        let start = try takeElements(count, width: width)
        return bytes.withUnsafeBytes { raw in
            [T](unsafeUninitializedCapacity: count) { output, initialized in
                for index in 0..<count {
                    output[index] = T(bigEndian: raw.loadUnaligned(fromByteOffset: start + index * width, as: T.self))
                }
                initialized = count
            }
        }
    }

    /// `count` big-endian 16-bit integers.
    public mutating func readI16Values(count: Int) throws(ThriftError) -> [Int16] { try readBigEndianValues(Int16.self, count: count) }

    /// `count` big-endian 32-bit integers.
    public mutating func readI32Values(count: Int) throws(ThriftError) -> [Int32] { try readBigEndianValues(Int32.self, count: count) }

    /// `count` big-endian 64-bit integers.
    public mutating func readI64Values(count: Int) throws(ThriftError) -> [Int64] { try readBigEndianValues(Int64.self, count: count) }

    /// `count` big-endian doubles.
    public mutating func readDoubleValues(count: Int) throws(ThriftError) -> [Double] {
        try readBigEndianValues(UInt64.self, count: count).map(Double.init(bitPattern:))
    }

    /// `count` length-prefixed UTF-8 strings.
    public mutating func readStringValues(count: Int) throws(ThriftError) -> [String] {
        guard count >= 0, count <= (bytes.count - position) / 4 else {
            throw ThriftError(.invalidLength, "list of \(count) strings exceeds the input")
        }
        var result: [String] = []
        result.reserveCapacity(count)
        for _ in 0..<count { result.append(try readString()) }
        return result
    }

    /// `count` length-prefixed byte strings.
    public mutating func readBinaryValues(count: Int) throws(ThriftError) -> [[UInt8]] {
        guard count >= 0, count <= (bytes.count - position) / 4 else {
            throw ThriftError(.invalidLength, "list of \(count) byte strings exceeds the input")
        }
        var result: [[UInt8]] = []
        result.reserveCapacity(count)
        for _ in 0..<count { result.append(try readBinary()) }
        return result
    }
}
