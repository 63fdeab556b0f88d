// What every Thrift protocol reader and writer offers, so message structs can be coded once and
// carried by the binary protocol (HiveServer2) or the compact protocol (Parquet).

/// Reads Thrift values from bytes. Every read is bounds-checked and throws ``ThriftError``.
public protocol ThriftReader {
    /// Enters a struct.
    mutating func readStructBegin() throws(ThriftError)
    /// Leaves a struct (after its `.stop` field).
    mutating func readStructEnd() throws(ThriftError)
    /// The next field header; `.stop` when the struct ends.
    mutating func readFieldBegin() throws(ThriftError) -> ThriftFieldHeader
    /// A boolean.
    mutating func readBool() throws(ThriftError) -> Bool
    /// A signed byte.
    mutating func readI8() throws(ThriftError) -> Int8
    /// A 16-bit integer.
    mutating func readI16() throws(ThriftError) -> Int16
    /// A 32-bit integer.
    mutating func readI32() throws(ThriftError) -> Int32
    /// A 64-bit integer.
    mutating func readI64() throws(ThriftError) -> Int64
    /// A double.
    mutating func readDouble() throws(ThriftError) -> Double
    /// Bytes.
    mutating func readBinary() throws(ThriftError) -> [UInt8]
    /// A UTF-8 string (invalid sequences are replaced, never trusted).
    mutating func readString() throws(ThriftError) -> String
    /// A list header: element type and count (the count is checked against the remaining input).
    mutating func readListBegin() throws(ThriftError) -> (elementType: ThriftType, count: Int)
    /// A map header: key type, value type and count.
    mutating func readMapBegin() throws(ThriftError) -> (keyType: ThriftType, valueType: ThriftType, count: Int)
    /// Skips one scalar, string or UUID value without decoding it (containers are walked by ``skip(_:)``).
    mutating func skipLeaf(_ type: ThriftType) throws(ThriftError)
}

/// Writes Thrift values into bytes.
public protocol ThriftWriter {
    /// Enters a struct.
    mutating func writeStructBegin()
    /// Leaves a struct (writes nothing by itself: call ``writeFieldStop()`` first).
    mutating func writeStructEnd()
    /// A field header.
    mutating func writeFieldBegin(_ type: ThriftType, id: Int16)
    /// The end of a struct's fields.
    mutating func writeFieldStop()
    /// A boolean field in one step (the compact protocol folds the value into the header).
    mutating func writeBoolField(id: Int16, _ value: Bool)
    /// A boolean list element.
    mutating func writeBool(_ value: Bool)
    /// A signed byte.
    mutating func writeI8(_ value: Int8)
    /// A 16-bit integer.
    mutating func writeI16(_ value: Int16)
    /// A 32-bit integer.
    mutating func writeI32(_ value: Int32)
    /// A 64-bit integer.
    mutating func writeI64(_ value: Int64)
    /// A double.
    mutating func writeDouble(_ value: Double)
    /// Bytes.
    mutating func writeBinary(_ value: some Collection<UInt8>)
    /// A UTF-8 string.
    mutating func writeString(_ value: String)
    /// A list header.
    mutating func writeListBegin(_ elementType: ThriftType, count: Int)
    /// A map header.
    mutating func writeMapBegin(keyType: ThriftType, valueType: ThriftType, count: Int)
}

/// The deepest nesting of structs, lists and maps a reader accepts when skipping.
public let thriftMaximumDepth = 64

extension ThriftReader {
    /// Skips one value of `type` (unknown fields, hidden vendor fields), at any depth up to
    /// ``thriftMaximumDepth``.
    public mutating func skip(_ type: ThriftType) throws(ThriftError) {
        try skip(type, depth: 0)
    }

    private mutating func skip(_ type: ThriftType, depth: Int) throws(ThriftError) {
        guard depth < thriftMaximumDepth else { throw ThriftError(.depthExceeded, "values nested deeper than \(thriftMaximumDepth)") }
        switch type {
        case .struct:
            try readStructBegin()
            while true {
                let header = try readFieldBegin()
                if header.type == .stop { break }
                try skip(header.type, depth: depth + 1)
            }
            try readStructEnd()
        case .list, .set:
            let (elementType, count) = try readListBegin()
            for _ in 0..<count { try skip(elementType, depth: depth + 1) }
        case .map:
            let (keyType, valueType, count) = try readMapBegin()
            for _ in 0..<count {
                try skip(keyType, depth: depth + 1)
                try skip(valueType, depth: depth + 1)
            }
        default:
            try skipLeaf(type)
        }
    }

    /// Reads a `map<string, string>` (after its field header); a map of other types is skipped whole.
    public mutating func readStringMap() throws(ThriftError) -> [String: String] {
        let (keyType, valueType, count) = try readMapBegin()
        var map: [String: String] = [:]
        for _ in 0..<count {
            guard keyType == .binary, valueType == .binary else {
                try skip(keyType)
                try skip(valueType)
                continue
            }
            let key = try readString()
            map[key] = try readString()
        }
        return map
    }

    /// Reads a struct field by field, handing each known field to `body`; `body` returns `false`
    /// for a field it does not know, which is then skipped.
    public mutating func readStruct(_ body: (inout Self, ThriftFieldHeader) throws(ThriftError) -> Bool) throws(ThriftError) {
        try readStructBegin()
        while true {
            let header = try readFieldBegin()
            if header.type == .stop { break }
            if try !body(&self, header) { try skip(header.type) }
        }
        try readStructEnd()
    }

    /// Checks that a field has the expected type, naming it in the error.
    public func expect(_ header: ThriftFieldHeader, _ type: ThriftType, _ name: @autoclosure () -> String) throws(ThriftError) {
        guard header.type == type else {
            throw ThriftError(.invalidField, "\(name()) has type \(header.type), expected \(type)")
        }
    }
}
