// The Thrift compact protocol (zig-zag varints, field-id deltas, little-endian doubles), used by
// Parquet file metadata.

enum CompactType: UInt8 {
    case booleanTrue = 1
    case booleanFalse = 2
    case i8 = 3
    case i16 = 4
    case i32 = 5
    case i64 = 6
    case double = 7
    case binary = 8
    case list = 9
    case set = 10
    case map = 11
    case `struct` = 12
    case uuid = 13

    init(_ type: ThriftType) {
        switch type {
        case .bool: self = .booleanTrue
        case .i8: self = .i8
        case .i16: self = .i16
        case .i32: self = .i32
        case .i64: self = .i64
        case .double: self = .double
        case .binary: self = .binary
        case .list: self = .list
        case .set: self = .set
        case .map: self = .map
        case .struct, .stop: self = .struct
        case .uuid: self = .uuid
        }
    }

    var thriftType: ThriftType {
        switch self {
        case .booleanTrue, .booleanFalse: .bool
        case .i8: .i8
        case .i16: .i16
        case .i32: .i32
        case .i64: .i64
        case .double: .double
        case .binary: .binary
        case .list: .list
        case .set: .set
        case .map: .map
        case .struct: .struct
        case .uuid: .uuid
        }
    }
}

/// Reads the compact protocol from a byte array.
public struct ThriftCompactReader: ThriftReader {
    let bytes: [UInt8]
    /// The offset of the next byte to read.
    public private(set) var position: Int
    private var lastFieldIds: [Int16] = []
    private var lastFieldId: Int16 = 0
    private var pendingBool: Bool?

    /// A reader over `bytes`, starting at `offset`.
    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.position = offset
    }

    /// Bytes not yet read.
    public var remaining: Int { bytes.count - position }

    mutating func readByte() throws(ThriftError) -> UInt8 {
        guard position < bytes.count else { throw ThriftError(.truncated, "input ended at offset \(position)") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func readVarint() throws(ThriftError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try readByte()
            guard shift < 64 else { throw ThriftError(.invalidVarint, "varint longer than 10 bytes at offset \(position)") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    static func unzigzag(_ value: UInt64) -> Int64 { Int64(bitPattern: (value >> 1) ^ (0 &- (value & 1))) }

    public mutating func readStructBegin() throws(ThriftError) {
        guard lastFieldIds.count < thriftMaximumDepth else { throw ThriftError(.depthExceeded, "structs nested deeper than \(thriftMaximumDepth)") }
        lastFieldIds.append(lastFieldId)
        lastFieldId = 0
    }

    public mutating func readStructEnd() throws(ThriftError) {
        lastFieldId = lastFieldIds.popLast() ?? 0
    }

    public mutating func readFieldBegin() throws(ThriftError) -> ThriftFieldHeader {
        let byte = try readByte()
        if byte == 0 { return ThriftFieldHeader(type: .stop, id: 0) }
        guard let compact = CompactType(rawValue: byte & 0x0F) else { throw ThriftError(.unknownType, "compact type \(byte & 0x0F)") }
        let delta = Int16(byte >> 4)
        let id: Int16
        if delta == 0 {
            id = try readI16()
        } else {
            let (sum, overflow) = lastFieldId.addingReportingOverflow(delta)
            guard !overflow else { throw ThriftError(.invalidField, "field id overflow") }
            id = sum
        }
        lastFieldId = id
        if compact == .booleanTrue || compact == .booleanFalse { pendingBool = compact == .booleanTrue }
        return ThriftFieldHeader(type: compact.thriftType, id: id)
    }

    public mutating func readBool() throws(ThriftError) -> Bool {
        if let value = pendingBool {
            pendingBool = nil
            return value
        }
        return try readByte() == CompactType.booleanTrue.rawValue
    }

    public mutating func readI8() throws(ThriftError) -> Int8 { Int8(bitPattern: try readByte()) }

    public mutating func readI16() throws(ThriftError) -> Int16 {
        let value = Self.unzigzag(try readVarint())
        guard let narrow = Int16(exactly: value) else { throw ThriftError(.invalidVarint, "i16 out of range") }
        return narrow
    }

    public mutating func readI32() throws(ThriftError) -> Int32 {
        let value = Self.unzigzag(try readVarint())
        guard let narrow = Int32(exactly: value) else { throw ThriftError(.invalidVarint, "i32 out of range") }
        return narrow
    }

    public mutating func readI64() throws(ThriftError) -> Int64 { Self.unzigzag(try readVarint()) }

    public mutating func readDouble() throws(ThriftError) -> Double {
        guard remaining >= 8 else { throw ThriftError(.truncated, "double at offset \(position)") }
        var raw: UInt64 = 0
        for index in 0..<8 { raw |= UInt64(bytes[position + index]) << UInt64(8 * index) }
        position += 8
        return Double(bitPattern: raw)
    }

    mutating func readLength() throws(ThriftError) -> Int {
        let length = try readVarint()
        guard length <= UInt64(remaining) else {
            throw ThriftError(.invalidLength, "length \(length) at offset \(position) exceeds the \(remaining) bytes left")
        }
        return Int(length)
    }

    public mutating func readBinary() throws(ThriftError) -> [UInt8] {
        let length = try readLength()
        defer { position += length }
        return Array(bytes[position..<position + length])
    }

    public mutating func readString() throws(ThriftError) -> String {
        let length = try readLength()
        defer { position += length }
        return String(decoding: bytes[position..<position + length], as: UTF8.self)
    }

    public mutating func readListBegin() throws(ThriftError) -> (elementType: ThriftType, count: Int) {
        let byte = try readByte()
        guard let compact = CompactType(rawValue: byte & 0x0F) else { throw ThriftError(.unknownType, "list element type \(byte & 0x0F)") }
        var count = UInt64(byte >> 4)
        if count == 15 { count = try readVarint() }
        let type = compact.thriftType
        guard count <= UInt64(remaining) / UInt64(max(type.minimumEncodedSize, 1)) || count == 0 else {
            throw ThriftError(.invalidLength, "list of \(count) elements exceeds the \(remaining) bytes left")
        }
        return (type, Int(count))
    }

    public mutating func readMapBegin() throws(ThriftError) -> (keyType: ThriftType, valueType: ThriftType, count: Int) {
        let count = try readVarint()
        if count == 0 { return (.binary, .binary, 0) }
        let types = try readByte()
        guard let key = CompactType(rawValue: types >> 4), let value = CompactType(rawValue: types & 0x0F) else {
            throw ThriftError(.unknownType, "map types \(types)")
        }
        guard count <= UInt64(remaining) / 2 else { throw ThriftError(.invalidLength, "map of \(count) entries exceeds the input") }
        return (key.thriftType, value.thriftType, Int(count))
    }

    public mutating func skipLeaf(_ type: ThriftType) throws(ThriftError) {
        switch type {
        case .bool: _ = try readBool()
        case .i8: _ = try readByte()
        case .i16, .i32, .i64: _ = try readVarint()
        case .double, .uuid:
            let width = type == .double ? 8 : 16
            guard remaining >= width else { throw ThriftError(.truncated, "\(type) at offset \(position)") }
            position += width
        case .binary: position += try readLength()
        case .stop, .struct, .map, .set, .list: throw ThriftError(.unknownType, "\(type) is not a leaf value")
        }
    }
}

/// Writes the compact protocol into a byte array.
public struct ThriftCompactWriter: ThriftWriter {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []
    private var lastFieldIds: [Int16] = []
    private var lastFieldId: Int16 = 0

    /// An empty writer.
    public init() {}

    mutating func writeVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    static func zigzag(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }

    public mutating func writeStructBegin() {
        lastFieldIds.append(lastFieldId)
        lastFieldId = 0
    }

    public mutating func writeStructEnd() { lastFieldId = lastFieldIds.popLast() ?? 0 }

    mutating func writeFieldHeader(_ compact: UInt8, id: Int16) {
        let delta = Int(id) - Int(lastFieldId)
        if delta > 0 && delta <= 15 {
            bytes.append(UInt8(delta) << 4 | compact)
        } else {
            bytes.append(compact)
            writeVarint(Self.zigzag(Int64(id)))
        }
        lastFieldId = id
    }

    public mutating func writeFieldBegin(_ type: ThriftType, id: Int16) {
        writeFieldHeader(CompactType(type).rawValue, id: id)
    }

    public mutating func writeFieldStop() { bytes.append(0) }

    public mutating func writeBoolField(id: Int16, _ value: Bool) {
        writeFieldHeader(value ? CompactType.booleanTrue.rawValue : CompactType.booleanFalse.rawValue, id: id)
    }

    public mutating func writeBool(_ value: Bool) {
        bytes.append(value ? CompactType.booleanTrue.rawValue : CompactType.booleanFalse.rawValue)
    }

    public mutating func writeI8(_ value: Int8) { bytes.append(UInt8(bitPattern: value)) }
    public mutating func writeI16(_ value: Int16) { writeVarint(Self.zigzag(Int64(value))) }
    public mutating func writeI32(_ value: Int32) { writeVarint(Self.zigzag(Int64(value))) }
    public mutating func writeI64(_ value: Int64) { writeVarint(Self.zigzag(value)) }

    public mutating func writeDouble(_ value: Double) {
        let raw = value.bitPattern
        for index in 0..<8 { bytes.append(UInt8((raw >> UInt64(8 * index)) & 0xFF)) }
    }

    public mutating func writeBinary(_ value: some Collection<UInt8>) {
        writeVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    public mutating func writeString(_ value: String) { writeBinary(Array(value.utf8)) }

    public mutating func writeListBegin(_ elementType: ThriftType, count: Int) {
        let compact = CompactType(elementType).rawValue
        if count < 15 {
            bytes.append(UInt8(count) << 4 | compact)
        } else {
            bytes.append(0xF0 | compact)
            writeVarint(UInt64(count))
        }
    }

    public mutating func writeMapBegin(keyType: ThriftType, valueType: ThriftType, count: Int) {
        writeVarint(UInt64(count))
        if count > 0 { bytes.append(CompactType(keyType).rawValue << 4 | CompactType(valueType).rawValue) }
    }
}
