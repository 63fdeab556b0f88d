// LZ4 frames (the LZ4 frame format, v1.6.x) decompressed in Swift: what the Databricks SQL protocol
// and Arrow's LZ4_FRAME body compression send. No system library is needed, so the service builds
// and runs on a machine without liblz4's headers. Every length is checked against the input and
// against a limit on the output, and the header, block and content checksums (xxHash32) are
// verified when the frame carries them.

/// LZ4 frame decompression.
public enum LZ4Frame {
    static let magic: UInt32 = 0x184D_2204

    /// The bytes every frame in `input` holds, in order (skippable frames are skipped).
    /// - Parameter limit: the most bytes decompressed; more is refused as malformed.
    public static func decompress(_ input: some Collection<UInt8>, limit: Int = 1 << 31) throws(ArrowError) -> [UInt8] {
        let bytes = Array(input)
        var output: [UInt8] = []
        var position = 0
        while position < bytes.count {
            let magic: UInt32 = try read(bytes, at: position)
            if magic & 0xFFFF_FFF0 == 0x184D_2A50 {
                let size: UInt32 = try read(bytes, at: position + 4)
                guard Int(size) <= bytes.count - position - 8 else { throw .malformed("an LZ4 skippable frame runs past the input") }
                position += 8 + Int(size)
                continue
            }
            guard magic == Self.magic else { throw .malformed("not an LZ4 frame (magic \(String(magic, radix: 16)))") }
            position = try frame(bytes, at: position + 4, into: &output, limit: limit)
        }
        return output
    }

    private static func read<T: FixedWidthInteger>(_ bytes: [UInt8], at position: Int) throws(ArrowError) -> T {
        guard position >= 0, position <= bytes.count - MemoryLayout<T>.size else { throw .malformed("an LZ4 frame ends early") }
        return bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: position, as: T.self)) }
    }

    /// Decompresses the frame whose descriptor starts at `start`; returns where the frame ends.
    private static func frame(_ bytes: [UInt8], at start: Int, into output: inout [UInt8], limit: Int) throws(ArrowError) -> Int {
        let flags: UInt8 = try read(bytes, at: start)
        let blockDescriptor: UInt8 = try read(bytes, at: start + 1)
        guard flags >> 6 == 1, flags & 0b10 == 0, blockDescriptor & 0b1000_1111 == 0 else {
            throw .malformed("an LZ4 frame descriptor of an unknown version or with reserved bits set")
        }
        let independent = flags & 0b10_0000 != 0
        let blockChecksums = flags & 0b1_0000 != 0
        let hasContentSize = flags & 0b1000 != 0
        let contentChecksum = flags & 0b100 != 0
        guard flags & 0b1 == 0 else { throw .unsupported("LZ4 frames that need a dictionary") }
        let blockMaximum: Int
        switch blockDescriptor >> 4 {
        case 4: blockMaximum = 64 << 10
        case 5: blockMaximum = 256 << 10
        case 6: blockMaximum = 1 << 20
        case 7: blockMaximum = 4 << 20
        default: throw .malformed("an LZ4 frame with an unknown block size")
        }
        var position = start + 2
        var contentSize: Int?
        if hasContentSize {
            let size: UInt64 = try read(bytes, at: position)
            guard size <= UInt64(limit - output.count) else { throw .malformed("an LZ4 frame of \(size) bytes is over the \(limit)-byte limit") }
            contentSize = Int(size)
            position += 8
        }
        let headerChecksum: UInt8 = try read(bytes, at: position)
        guard UInt8(truncatingIfNeeded: XXHash32.hash(bytes[start..<position]) >> 8) == headerChecksum else {
            throw .malformed("an LZ4 frame's header checksum does not match")
        }
        position += 1
        let frameStart = output.count
        if let contentSize { output.reserveCapacity(output.count + contentSize) }
        while true {
            let word: UInt32 = try read(bytes, at: position)
            position += 4
            if word == 0 { break }
            let size = Int(word & 0x7FFF_FFFF)
            guard size <= blockMaximum, size <= bytes.count - position else { throw .malformed("an LZ4 block of \(size) bytes runs past its frame") }
            let block = bytes[position..<(position + size)]
            position += size
            if blockChecksums {
                let checksum: UInt32 = try read(bytes, at: position)
                guard XXHash32.hash(block) == checksum else { throw .malformed("an LZ4 block's checksum does not match") }
                position += 4
            }
            if word & 0x8000_0000 != 0 {
                guard block.count <= limit - output.count else { throw .malformed("LZ4 data over the \(limit)-byte limit") }
                output.append(contentsOf: block)
            } else {
                try decodeBlock(block, into: &output, window: independent ? output.count : frameStart, blockMaximum: blockMaximum, limit: limit)
            }
        }
        if let contentSize, output.count - frameStart != contentSize {
            throw .malformed("an LZ4 frame holds \(output.count - frameStart) bytes where its header says \(contentSize)")
        }
        if contentChecksum {
            let checksum: UInt32 = try read(bytes, at: position)
            guard XXHash32.hash(output[frameStart...]) == checksum else { throw .malformed("an LZ4 frame's content checksum does not match") }
            position += 4
        }
        return position
    }

    /// Decodes one LZ4 block: sequences of literals and matches; a match reaches back no further
    /// than `window` (the block's start when blocks are independent, else the frame's start).
    static func decodeBlock(_ block: ArraySlice<UInt8>, into output: inout [UInt8], window: Int, blockMaximum: Int, limit: Int) throws(ArrowError) {
        // The block is decoded into room made at the end of `output`, through pointers: every
        // length and offset is checked against the input and the room before a byte is copied.
        let start = output.count
        let room = min(blockMaximum, limit - start)
        output.append(contentsOf: [UInt8](repeating: 0, count: room))
        let result: Result<Int, ArrowError> = output.withUnsafeMutableBufferPointer { out in
            block.withUnsafeBufferPointer { input in Self.decode(input, into: out, at: start, end: start + room, window: window) }
        }
        switch result {
        case .success(let end): output.removeLast(start + room - end)
        case .failure(let error):
            output.removeLast(room)
            throw error
        }
    }

    /// Decodes `input` into `out` from `at`, never past `end`; returns where the output ends.
    private static func decode(
        _ input: UnsafeBufferPointer<UInt8>,
        into out: UnsafeMutableBufferPointer<UInt8>,
        at: Int,
        end: Int,
        window: Int
    ) -> Result<Int, ArrowError> {
        guard let source = input.baseAddress else { return .success(at) }
        let target = out.baseAddress!
        var index = 0
        var position = at
        let count = input.count
        func length(_ start: Int) -> Int? {
            var total = start
            guard start == 15 else { return total }
            while true {
                guard index < count else { return nil }
                let byte = source[index]
                index += 1
                total += Int(byte)
                guard total <= end - at else { return nil }
                if byte != 255 { return total }
            }
        }
        while index < count {
            let token = source[index]
            index += 1
            guard let literals = length(Int(token >> 4)), literals <= count - index, literals <= end - position else {
                return .failure(.malformed("LZ4 literals run past the block or the output limit"))
            }
            (target + position).update(from: source + index, count: literals)
            position += literals
            index += literals
            if index == count { return .success(position) }  // the last sequence has literals only
            guard index + 2 <= count else { return .failure(.malformed("an LZ4 block ends inside a match offset")) }
            let offset = Int(source[index]) | Int(source[index + 1]) << 8
            index += 2
            guard let extra = length(Int(token & 0x0F)) else { return .failure(.malformed("an LZ4 block ends inside a length")) }
            let match = extra + 4
            guard offset > 0, offset <= position - window else { return .failure(.malformed("an LZ4 match reaches before its window")) }
            guard match <= end - position else { return .failure(.malformed("an LZ4 match runs past the output limit")) }
            let from = position - offset
            if offset >= match {
                (target + position).update(from: target + from, count: match)
            } else {
                // Overlapping: each byte may be one this match just wrote.
                for step in 0..<match { target[position + step] = target[from + step] }
            }
            position += match
        }
        return .success(position)
    }
}

/// xxHash32 with seed 0, as LZ4 frames use it.
enum XXHash32 {
    private static let prime1: UInt32 = 2_654_435_761
    private static let prime2: UInt32 = 2_246_822_519
    private static let prime3: UInt32 = 3_266_489_917
    private static let prime4: UInt32 = 668_265_263
    private static let prime5: UInt32 = 374_761_393

    static func hash(_ input: some Collection<UInt8>) -> UInt32 {
        if let hash = input.withContiguousStorageIfAvailable({ hash(UnsafeRawBufferPointer($0)) }) { return hash }
        return Array(input).withUnsafeBytes(hash)
    }

    static func hash(_ raw: UnsafeRawBufferPointer) -> UInt32 {
        let count = raw.count
        func word(_ at: Int) -> UInt32 { UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
        func round(_ accumulator: UInt32, _ lane: UInt32) -> UInt32 {
            ((accumulator &+ lane &* prime2) <<< 13) &* prime1
        }
        var position = 0
        var hash: UInt32
        if count >= 16 {
            var v1 = prime1 &+ prime2
            var v2 = prime2
            var v3: UInt32 = 0
            var v4 = 0 &- prime1
            while position <= count - 16 {
                v1 = round(v1, word(position))
                v2 = round(v2, word(position + 4))
                v3 = round(v3, word(position + 8))
                v4 = round(v4, word(position + 12))
                position += 16
            }
            hash = (v1 <<< 1) &+ (v2 <<< 7) &+ (v3 <<< 12) &+ (v4 <<< 18)
        } else {
            hash = prime5
        }
        hash = hash &+ UInt32(truncatingIfNeeded: count)
        while position + 4 <= count {
            hash = ((hash &+ word(position) &* prime3) <<< 17) &* prime4
            position += 4
        }
        while position < count {
            hash = ((hash &+ UInt32(raw[position]) &* prime5) <<< 11) &* prime1
            position += 1
        }
        hash ^= hash >> 15
        hash = hash &* prime2
        hash ^= hash >> 13
        hash = hash &* prime3
        hash ^= hash >> 16
        return hash
    }
}

infix operator <<< : BitwiseShiftPrecedence

extension UInt32 {
    /// Rotates left by `count` bits.
    fileprivate static func <<< (value: UInt32, count: UInt32) -> UInt32 { (value << count) | (value >> (32 - count)) }
}
