// The RLE / bit-packing hybrid encoding of small integers: definition levels and dictionary
// indices. Runs of 8 or more equal values become RLE runs; the rest is bit-packed in groups of 8.

enum RLEHybrid {
    /// Encodes `values` (each < 2^bitWidth) into `output`.
    static func encode<Value: FixedWidthInteger & UnsignedInteger>(_ values: [Value], bitWidth: Int, into output: inout [UInt8]) {
        let count = values.count
        var index = 0
        values.withUnsafeBufferPointer { values in
            while index < count {
                let run = runLength(values, from: index)
                if run >= 8 {
                    appendRun(value: values[index], count: run, bitWidth: bitWidth, into: &output)
                    index += run
                    continue
                }
                // Bit-packed groups of 8 until a long run starts at a group boundary (or the end).
                let start = index
                var groups = 0
                repeat {
                    index += 8
                    groups += 1
                } while index < count && runLength(values, from: index) < 8
                output.appendVarint(UInt64(groups) << 1 | 1)
                pack(values, from: start, count: groups * 8, bitWidth: bitWidth, into: &output)
                index = min(index, count)
            }
        }
    }

    /// One RLE run: `count` copies of `value`.
    static func appendRun<Value: FixedWidthInteger & UnsignedInteger>(value: Value, count: Int, bitWidth: Int, into output: inout [UInt8]) {
        output.appendVarint(UInt64(count) << 1)
        var value = UInt64(value)
        for _ in 0..<((bitWidth + 7) / 8) {
            output.append(UInt8(truncatingIfNeeded: value))
            value >>= 8
        }
    }

    @inline(__always)
    static func runLength<Value: FixedWidthInteger>(_ values: UnsafeBufferPointer<Value>, from start: Int) -> Int {
        let first = values[start]
        var end = start + 1
        while end < values.count && values[end] == first { end += 1 }
        return end - start
    }

    /// `count` values from `start` packed LSB first at `bitWidth` bits (zeros past the end).
    static func pack<Value: FixedWidthInteger & UnsignedInteger>(
        _ values: UnsafeBufferPointer<Value>,
        from start: Int,
        count: Int,
        bitWidth: Int,
        into output: inout [UInt8]
    ) {
        guard bitWidth > 0 else { return }
        var buffer: UInt64 = 0
        var bits = 0
        for offset in 0..<count {
            let index = start + offset
            let value = index < values.count ? UInt64(values[index]) : 0
            buffer |= value << UInt64(bits)
            bits += bitWidth
            while bits >= 8 {
                output.append(UInt8(truncatingIfNeeded: buffer))
                buffer >>= 8
                bits -= 8
            }
        }
        if bits > 0 { output.append(UInt8(truncatingIfNeeded: buffer)) }
    }

    /// The bits needed for values up to `maximum`.
    static func bitWidth(forMaximum maximum: Int) -> Int {
        maximum <= 0 ? 0 : Int.bitWidth - maximum.leadingZeroBitCount
    }
}
