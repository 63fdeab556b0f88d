// FlatBuffers tables read by hand, every offset checked against the buffer before it is used: the
// metadata of Arrow IPC messages (Schema.fbs, Message.fbs) arrives from the network, so a wrong
// offset must become an error, never a read outside the bytes.

/// A FlatBuffers table inside `bytes`.
struct FlatTable {
    let bytes: [UInt8]
    /// Where the table starts.
    let position: Int
    private let vtable: Int
    private let vtableSize: Int

    /// The root table of a FlatBuffer.
    init(root bytes: [UInt8]) throws(ArrowError) {
        let offset: UInt32 = try Self.read(bytes, at: 0)
        try self.init(bytes, at: Int(offset))
    }

    init(_ bytes: [UInt8], at position: Int) throws(ArrowError) {
        self.bytes = bytes
        self.position = position
        let relative: Int32 = try Self.read(bytes, at: position)
        let vtable = position - Int(relative)
        let size: UInt16 = try Self.read(bytes, at: vtable)
        guard size >= 4, size % 2 == 0, vtable + Int(size) <= bytes.count else { throw .malformed("a table's vtable lies outside the metadata") }
        self.vtable = vtable
        vtableSize = Int(size)
    }

    /// Reads a little-endian integer at `position`, or throws when it does not fit in `bytes`.
    static func read<T: FixedWidthInteger>(_ bytes: [UInt8], at position: Int) throws(ArrowError) -> T {
        let size = MemoryLayout<T>.size
        guard position >= 0, position <= bytes.count - size else { throw .malformed("an offset points outside the metadata") }
        return bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: position, as: T.self)) }
    }

    /// Where field `id` is stored, or `nil` when it is absent.
    func field(_ id: Int) throws(ArrowError) -> Int? {
        let entry = 4 + 2 * id
        guard entry + 2 <= vtableSize else { return nil }
        let offset: UInt16 = try Self.read(bytes, at: vtable + entry)
        return offset == 0 ? nil : position + Int(offset)
    }

    /// An integer field, or `fallback` when absent.
    func scalar<T: FixedWidthInteger>(_ id: Int, _ fallback: T) throws(ArrowError) -> T {
        guard let at = try field(id) else { return fallback }
        return try Self.read(bytes, at: at)
    }

    func bool(_ id: Int, _ fallback: Bool) throws(ArrowError) -> Bool {
        try scalar(id, UInt8(fallback ? 1 : 0)) != 0
    }

    /// Where the object an offset field points at starts.
    private func target(_ id: Int) throws(ArrowError) -> Int? {
        guard let at = try field(id) else { return nil }
        let offset: UInt32 = try Self.read(bytes, at: at)
        return at + Int(offset)
    }

    func table(_ id: Int) throws(ArrowError) -> FlatTable? {
        guard let at = try target(id) else { return nil }
        return try FlatTable(bytes, at: at)
    }

    func string(_ id: Int) throws(ArrowError) -> String? {
        guard let (start, count) = try vector(id, elementSize: 1) else { return nil }
        return String(decoding: bytes[start..<(start + count)], as: UTF8.self)
    }

    /// Where a vector's elements start and how many there are, each checked to fit.
    func vector(_ id: Int, elementSize: Int) throws(ArrowError) -> (start: Int, count: Int)? {
        guard let at = try target(id) else { return nil }
        let count: UInt32 = try Self.read(bytes, at: at)
        let start = at + 4
        guard Int(count) <= (bytes.count - start) / elementSize else { throw .malformed("a vector runs past the end of the metadata") }
        return (start, Int(count))
    }

    /// A vector of tables.
    func tables(_ id: Int) throws(ArrowError) -> [FlatTable] {
        guard let (start, count) = try vector(id, elementSize: 4) else { return [] }
        var tables: [FlatTable] = []
        tables.reserveCapacity(count)
        for index in 0..<count {
            let at = start + 4 * index
            let offset: UInt32 = try Self.read(bytes, at: at)
            tables.append(try FlatTable(bytes, at: at + Int(offset)))
        }
        return tables
    }

    /// A vector of structs of two 64-bit integers (Arrow's FieldNode and Buffer).
    func pairs(_ id: Int) throws(ArrowError) -> [(Int64, Int64)] {
        guard let (start, count) = try vector(id, elementSize: 16) else { return [] }
        var pairs: [(Int64, Int64)] = []
        pairs.reserveCapacity(count)
        for index in 0..<count {
            let first: Int64 = try Self.read(bytes, at: start + 16 * index)
            let second: Int64 = try Self.read(bytes, at: start + 16 * index + 8)
            pairs.append((first, second))
        }
        return pairs
    }
}
