// The Thrift binary protocol (big-endian, strict message headers), as HiveServer2 and Databricks
// speak it over HTTP.

/// Reads the binary protocol from a byte array.
public struct ThriftBinaryReader: ThriftReader {
    @usableFromInline let bytes: [UInt8]
    /// The offset of the next byte to read.
    @usableFromInline var position: Int
    private var depth = 0

    /// A reader over `bytes`.
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.position = 0
    }

    /// Bytes not yet read.
    public var remaining: Int { bytes.count - position }

    @inlinable
    mutating func take(_ count: Int) throws(ThriftError) -> Int {
        guard count >= 0, count <= bytes.count - position else {
            throw ThriftError(.truncated, "needed \(count) bytes at offset \(position), \(bytes.count - position) left")
        }
        let start = position
        position += count
        return start
    }

    /// A strict message header (`0x8001` version, type, name, sequence id).
    public mutating func readMessageBegin() throws(ThriftError) -> ThriftMessageHeader {
        let word = UInt32(bitPattern: try readI32())
        guard word & 0xFFFF_0000 == 0x8001_0000 else {
            throw ThriftError(.badMessageHeader, "not a strict binary-protocol message (first word 0x\(String(word, radix: 16)))")
        }
        guard let type = ThriftMessageType(rawValue: UInt8(word & 0xFF)) else {
            throw ThriftError(.badMessageHeader, "unknown message type \(word & 0xFF)")
        }
        let name = try readString()
        let sequenceId = try readI32()
        return ThriftMessageHeader(name: name, type: type, sequenceId: sequenceId)
    }

    public mutating func readStructBegin() throws(ThriftError) {
        depth += 1
        guard depth <= thriftMaximumDepth else { throw ThriftError(.depthExceeded, "structs nested deeper than \(thriftMaximumDepth)") }
    }

    public mutating func readStructEnd() throws(ThriftError) { depth -= 1 }

    public mutating func readFieldBegin() throws(ThriftError) -> ThriftFieldHeader {
        let code = try readByte()
        guard let type = ThriftType(rawValue: code) else { throw ThriftError(.unknownType, "field type code \(code) at offset \(position - 1)") }
        if type == .stop { return ThriftFieldHeader(type: .stop, id: 0) }
        return ThriftFieldHeader(type: type, id: try readI16())
    }

    @inlinable
    mutating func readByte() throws(ThriftError) -> UInt8 {
        let start = try take(1)
        return bytes[start]
    }

    public mutating func readBool() throws(ThriftError) -> Bool { try readByte() != 0 }
    public mutating func readI8() throws(ThriftError) -> Int8 { Int8(bitPattern: try readByte()) }

    @inlinable
    public mutating func readI16() throws(ThriftError) -> Int16 {
        let start = try take(2)
        return Int16(bitPattern: UInt16(bytes[start]) << 8 | UInt16(bytes[start + 1]))
    }

    @inlinable
    public mutating func readI32() throws(ThriftError) -> Int32 {
        let start = try take(4)
        var value: UInt32 = 0
        for index in start..<start + 4 { value = value << 8 | UInt32(bytes[index]) }
        return Int32(bitPattern: value)
    }

    @inlinable
    public mutating func readI64() throws(ThriftError) -> Int64 {
        let start = try take(8)
        var value: UInt64 = 0
        for index in start..<start + 8 { value = value << 8 | UInt64(bytes[index]) }
        return Int64(bitPattern: value)
    }

    public mutating func readDouble() throws(ThriftError) -> Double {
        Double(bitPattern: UInt64(bitPattern: try readI64()))
    }

    mutating func readLength() throws(ThriftError) -> Int {
        let length = Int(try readI32())
        guard length >= 0, length <= remaining else {
            throw ThriftError(.invalidLength, "length \(length) at offset \(position - 4) exceeds the \(remaining) bytes left")
        }
        return length
    }

    public mutating func readBinary() throws(ThriftError) -> [UInt8] {
        let length = try readLength()
        let start = try take(length)
        return Array(bytes[start..<start + length])
    }

    public mutating func readString() throws(ThriftError) -> String {
        let length = try readLength()
        let start = try take(length)
        return String(decoding: bytes[start..<start + length], as: UTF8.self)
    }

    /// Reads a string's bytes without copying them out, handing them to `body`.
    @inlinable
    public mutating func withStringBytes<T>(_ body: (ArraySlice<UInt8>) -> T) throws(ThriftError) -> T {
        let length = Int(try readI32())
        guard length >= 0 else { throw ThriftError(.invalidLength, "negative length \(length)") }
        let start = try take(length)
        return body(bytes[start..<start + length])
    }

    func checkedCount(_ count: Int32, elementSize: Int, what: String) throws(ThriftError) -> Int {
        let count = Int(count)
        guard count >= 0, count * max(elementSize, 1) <= remaining || (count == 0) else {
            throw ThriftError(.invalidLength, "\(what) of \(count) elements at offset \(position) exceeds the \(remaining) bytes left")
        }
        return count
    }

    public mutating func readListBegin() throws(ThriftError) -> (elementType: ThriftType, count: Int) {
        let code = try readByte()
        guard let type = ThriftType(rawValue: code), type != .stop else { throw ThriftError(.unknownType, "list element type code \(code)") }
        let count = try checkedCount(try readI32(), elementSize: binaryMinimumSize(type), what: "list")
        return (type, count)
    }

    public mutating func readMapBegin() throws(ThriftError) -> (keyType: ThriftType, valueType: ThriftType, count: Int) {
        let keyCode = try readByte()
        let valueCode = try readByte()
        guard let key = ThriftType(rawValue: keyCode), let value = ThriftType(rawValue: valueCode), key != .stop, value != .stop else {
            throw ThriftError(.unknownType, "map type codes \(keyCode), \(valueCode)")
        }
        let count = try checkedCount(try readI32(), elementSize: binaryMinimumSize(key) + binaryMinimumSize(value), what: "map")
        return (key, value, count)
    }

    func binaryMinimumSize(_ type: ThriftType) -> Int {
        switch type {
        case .bool, .i8: 1
        case .i16: 2
        case .i32: 4
        case .i64, .double: 8
        case .binary: 4
        case .struct: 1
        case .map: 6
        case .set, .list: 5
        case .uuid: 16
        case .stop: 0
        }
    }

    public mutating func skipLeaf(_ type: ThriftType) throws(ThriftError) {
        switch type {
        case .bool, .i8: _ = try take(1)
        case .i16: _ = try take(2)
        case .i32: _ = try take(4)
        case .i64, .double: _ = try take(8)
        case .uuid: _ = try take(16)
        case .binary: _ = try take(try readLength())
        case .stop, .struct, .map, .set, .list: throw ThriftError(.unknownType, "\(type) is not a leaf value")
        }
    }
}

/// Writes the binary protocol into a byte array.
public struct ThriftBinaryWriter: ThriftWriter {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty writer.
    public init() {}

    /// A strict message header.
    public mutating func writeMessageBegin(_ header: ThriftMessageHeader) {
        writeI32(Int32(bitPattern: 0x8001_0000 | UInt32(header.type.rawValue)))
        writeString(header.name)
        writeI32(header.sequenceId)
    }

    public mutating func writeStructBegin() {}
    public mutating func writeStructEnd() {}

    public mutating func writeFieldBegin(_ type: ThriftType, id: Int16) {
        bytes.append(type.rawValue)
        writeI16(id)
    }

    public mutating func writeFieldStop() { bytes.append(0) }

    public mutating func writeBoolField(id: Int16, _ value: Bool) {
        writeFieldBegin(.bool, id: id)
        writeBool(value)
    }

    public mutating func writeBool(_ value: Bool) { bytes.append(value ? 1 : 0) }
    public mutating func writeI8(_ value: Int8) { bytes.append(UInt8(bitPattern: value)) }

    public mutating func writeI16(_ value: Int16) {
        let raw = UInt16(bitPattern: value)
        bytes.append(UInt8(raw >> 8))
        bytes.append(UInt8(raw & 0xFF))
    }

    public mutating func writeI32(_ value: Int32) {
        let raw = UInt32(bitPattern: value)
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8((raw >> UInt32(shift)) & 0xFF)) }
    }

    public mutating func writeI64(_ value: Int64) {
        let raw = UInt64(bitPattern: value)
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8((raw >> UInt64(shift)) & 0xFF)) }
    }

    public mutating func writeDouble(_ value: Double) { writeI64(Int64(bitPattern: value.bitPattern)) }

    public mutating func writeBinary(_ value: some Collection<UInt8>) {
        writeI32(Int32(value.count))
        bytes.append(contentsOf: value)
    }

    public mutating func writeString(_ value: String) { writeBinary(Array(value.utf8)) }

    public mutating func writeListBegin(_ elementType: ThriftType, count: Int) {
        bytes.append(elementType.rawValue)
        writeI32(Int32(count))
    }

    public mutating func writeMapBegin(keyType: ThriftType, valueType: ThriftType, count: Int) {
        bytes.append(keyType.rawValue)
        bytes.append(valueType.rawValue)
        writeI32(Int32(count))
    }
}
