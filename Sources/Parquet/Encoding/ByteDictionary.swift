// The dictionary of a string or binary column chunk: its entries PLAIN-encoded one after another (the
// dictionary page's body, in the order they were first seen) and an open-addressing index over their
// bytes. A value is looked up by its bytes in place — no String or Array key is made, hashed with
// SipHash or kept per entry, which is most of what a dictionary-encoded column costs.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct ByteDictionary {
    /// The dictionary page's body: each entry's length (4 bytes, little-endian), then its bytes.
    private(set) var page: [UInt8] = []
    /// Where each entry's bytes start in `page`.
    private var starts: [Int] = []
    /// The index: per slot, the upper half of the value's hash and its entry number + 1 (0: free).
    /// Its size is a power of two, kept at most half full.
    private var slots: [UInt64] = []
    /// Seeded once per process, so a table cannot be made of values that collide on every machine.
    /// The page does not depend on it: entries are numbered in the order they are first seen.
    private static let seed = UInt64.random(in: .min ... .max)

    /// The entries (still counted once the index is dropped).
    private(set) var count = 0

    /// The number of `bytes`, added as a new entry when it is not one yet (`inserted`).
    @inline(__always)
    mutating func number(of bytes: UnsafeBufferPointer<UInt8>) -> (number: UInt32, inserted: Bool) {
        if starts.count * 2 >= slots.count { grow() }
        let hash = Self.hash(bytes)
        let tag = hash & 0xFFFF_FFFF_0000_0000
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { break }
            if entry & 0xFFFF_FFFF_0000_0000 == tag {
                let number = Int(entry & 0xFFFF_FFFF) - 1
                if equals(number, bytes) { return (UInt32(number), false) }
            }
            slot = (slot + 1) & mask
        }
        let number = starts.count
        slots[slot] = tag | UInt64(number + 1)
        page.appendLittleEndian(UInt32(bytes.count))
        starts.append(page.count)
        page.append(contentsOf: bytes)
        count += 1
        return (UInt32(number), true)
    }

    /// Forgets the index (no more lookups), keeping the page.
    mutating func dropIndex() {
        slots = []
        starts = []
    }

    /// Empties the dictionary, keeping its page's capacity.
    mutating func removeAll() {
        page.removeAll(keepingCapacity: true)
        starts.removeAll(keepingCapacity: true)
        slots.removeAll(keepingCapacity: true)
        count = 0
    }

    @inline(__always)
    private func equals(_ number: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = starts[number]
        let end = number + 1 < starts.count ? starts[number + 1] - 4 : page.count
        guard end - start == bytes.count else { return false }
        guard let base = bytes.baseAddress, bytes.count > 0 else { return true }
        return page.withUnsafeBufferPointer { memcmp($0.baseAddress! + start, base, bytes.count) == 0 }
    }

    private mutating func grow() {
        let size = max(1024, slots.count * 2)
        var grown = [UInt64](repeating: 0, count: size)
        let mask = size - 1
        page.withUnsafeBufferPointer { page in
            for (number, start) in starts.enumerated() {
                let end = number + 1 < starts.count ? starts[number + 1] - 4 : page.count
                let hash = Self.hash(UnsafeBufferPointer(rebasing: page[start..<end]))
                var slot = Int(truncatingIfNeeded: hash) & mask
                while grown[slot] != 0 { slot = (slot + 1) & mask }
                grown[slot] = (hash & 0xFFFF_FFFF_0000_0000) | UInt64(number + 1)
            }
        }
        slots = grown
    }

    /// A seeded 64-bit hash of the bytes, eight at a time, finished with SplitMix64's mixer.
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash = seed ^ (UInt64(bytes.count) &* 0x9E37_79B9_7F4A_7C15)
        guard let base = bytes.baseAddress else { return mix(hash) }
        let raw = UnsafeRawPointer(base)
        var offset = 0
        while offset + 8 <= bytes.count {
            hash = (hash ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            hash ^= hash >> 31
            offset += 8
        }
        if offset < bytes.count {
            var tail: UInt64 = 0
            for index in offset..<bytes.count { tail |= UInt64(base[index]) << UInt64(8 * (index - offset)) }
            hash = (hash ^ tail) &* 0x94D0_49BB_1331_11EB
        }
        return mix(hash)
    }

    @inline(__always)
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
