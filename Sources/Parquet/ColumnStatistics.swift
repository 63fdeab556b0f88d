// Min, max and null count of a column chunk as values arrive, encoded at the end in the form
// Parquet readers compare: signed integers, IEEE floats without NaN, unsigned bytes for strings.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct ColumnStatistics {
    var nullCount: Int64 = 0
    private var integers: (min: Int64, max: Int64)?
    private var decimals: (min: Int128, max: Int128)?
    private var doubles: (min: Double, max: Double)?
    private var bytes: (min: [UInt8], max: [UInt8])?
    private var sawFalse = false
    private var sawTrue = false

    /// Longer byte-array minimums and maximums are left out rather than stored whole.
    static let maximumByteStatistic = 64

    @inline(__always)
    mutating func observe(integer value: Int64) {
        if let current = integers {
            if value < current.min { integers!.min = value } else if value > current.max { integers!.max = value }
        } else {
            integers = (value, value)
        }
    }

    @inline(__always)
    mutating func observe(double value: Double) {
        guard !value.isNaN else { return }
        if let current = doubles {
            if value < current.min { doubles!.min = value } else if value > current.max { doubles!.max = value }
        } else {
            doubles = (value, value)
        }
    }

    mutating func observe(decimal value: Int128) {
        if let current = decimals {
            if value < current.min { decimals!.min = value } else if value > current.max { decimals!.max = value }
        } else {
            decimals = (value, value)
        }
    }

    mutating func observe(bool value: Bool) {
        if value { sawTrue = true } else { sawFalse = true }
    }

    mutating func observe(bytes value: UnsafeBufferPointer<UInt8>) {
        // In place: a copy of the pair would retain and release both arrays at every value.
        if bytes == nil {
            bytes = (Array(value), Array(value))
        } else if Self.precedes(value, bytes!.min) {
            bytes!.min = Array(value)
        } else if Self.precedes(bytes!.max, value) {
            bytes!.max = Array(value)
        }
    }

    /// Unsigned byte-wise order, as Parquet orders UTF-8 and binary values.
    @inline(__always)
    static func precedes(_ left: UnsafeBufferPointer<UInt8>, _ right: [UInt8]) -> Bool {
        right.withUnsafeBufferPointer { compare(left, $0) < 0 }
    }

    @inline(__always)
    static func precedes(_ left: [UInt8], _ right: UnsafeBufferPointer<UInt8>) -> Bool {
        left.withUnsafeBufferPointer { compare($0, right) < 0 }
    }

    static func compare(_ left: UnsafeBufferPointer<UInt8>, _ right: UnsafeBufferPointer<UInt8>) -> Int {
        let common = min(left.count, right.count)
        if common > 0, let a = left.baseAddress, let b = right.baseAddress {
            let order = memcmp(a, b, common)
            if order != 0 { return Int(order) }
        }
        return left.count - right.count
    }

    /// The statistics in the column's physical encoding.
    func encoded(for type: ParquetColumnType) -> EncodedStatistics {
        var result = EncodedStatistics(nullCount: nullCount)
        switch type.physical {
        case .boolean:
            if sawFalse || sawTrue {
                result.minimum = [sawFalse ? 0 : 1]
                result.maximum = [sawTrue ? 1 : 0]
            }
        case .int32, .int64:
            let range: (min: Int64, max: Int64)? =
                if let decimals { (Int64(decimals.min), Int64(decimals.max)) } else { integers }
            if let range {
                var minimum: [UInt8] = []
                var maximum: [UInt8] = []
                if type.physical == .int32 {
                    minimum.appendLittleEndian(Int32(range.min))
                    maximum.appendLittleEndian(Int32(range.max))
                } else {
                    minimum.appendLittleEndian(range.min)
                    maximum.appendLittleEndian(range.max)
                }
                (result.minimum, result.maximum) = (minimum, maximum)
            }
        case .float, .double:
            if var range = doubles {
                // The specification's rule for signed zeros: a zero minimum is -0, a zero maximum +0.
                if range.min == 0 { range.min = -0.0 }
                if range.max == 0 { range.max = 0.0 }
                var minimum: [UInt8] = []
                var maximum: [UInt8] = []
                if type.physical == .float {
                    minimum.appendLittleEndian(Float(range.min).bitPattern)
                    maximum.appendLittleEndian(Float(range.max).bitPattern)
                } else {
                    minimum.appendLittleEndian(range.min.bitPattern)
                    maximum.appendLittleEndian(range.max.bitPattern)
                }
                (result.minimum, result.maximum) = (minimum, maximum)
            }
        case .byteArray:
            if let bytes, bytes.min.count <= Self.maximumByteStatistic, bytes.max.count <= Self.maximumByteStatistic {
                (result.minimum, result.maximum) = (bytes.min, bytes.max)
            }
        case .fixedLenByteArray:
            if let decimals, let length = type.fixedLength {
                (result.minimum, result.maximum) = (Self.bigEndian(decimals.min, length: length), Self.bigEndian(decimals.max, length: length))
            }
        case .int96:
            break
        }
        return result
    }

    /// The two's complement of `value` in `length` big-endian bytes.
    static func bigEndian(_ value: Int128, length: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: length)
        var remaining = value
        for index in stride(from: length - 1, through: 0, by: -1) {
            bytes[index] = UInt8(truncatingIfNeeded: remaining)
            remaining >>= 8
        }
        return bytes
    }
}
