// TCLIService handles and status: the identifiers of sessions and operations, and the status every
// response carries.
import Thrift

extension ThriftBinaryWriter {
    /// A string field, when there is a value.
    mutating func writeStringField(id: Int16, _ value: String?) {
        guard let value else { return }
        writeFieldBegin(.binary, id: id)
        writeString(value)
    }

    /// A `map<string, string>` field, keys sorted so requests are reproducible.
    mutating func writeStringMapField(id: Int16, _ map: [String: String]) {
        writeFieldBegin(.map, id: id)
        writeMapBegin(keyType: .binary, valueType: .binary, count: map.count)
        for (key, value) in map.sorted(by: { $0.key < $1.key }) {
            writeString(key)
            writeString(value)
        }
    }
}

/// `THandleIdentifier`: the guid and secret naming a session or an operation.
struct HandleIdentifier: Sendable, Hashable {
    var guid: [UInt8]
    var secret: [UInt8]

    func encode(to writer: inout ThriftBinaryWriter) {
        writer.writeFieldBegin(.binary, id: 1)
        writer.writeBinary(guid)
        writer.writeFieldBegin(.binary, id: 2)
        writer.writeBinary(secret)
        writer.writeFieldStop()
    }

    init(guid: [UInt8], secret: [UInt8]) {
        self.guid = guid
        self.secret = secret
    }

    init(from reader: inout ThriftBinaryReader) throws(ThriftError) {
        var guid: [UInt8]?
        var secret: [UInt8]?
        try reader.readStruct { reader, field throws(ThriftError) in
            switch (field.id, field.type) {
            case (1, .binary): guid = try reader.readBinary()
            case (2, .binary): secret = try reader.readBinary()
            default: return false
            }
            return true
        }
        guard let guid, let secret else { throw ThriftError(.invalidField, "THandleIdentifier lacks guid or secret") }
        self.guid = guid
        self.secret = secret
    }
}

/// `TSessionHandle`.
struct SessionHandle: Sendable, Hashable {
    var identifier: HandleIdentifier

    func encode(to writer: inout ThriftBinaryWriter) {
        writer.writeFieldBegin(.struct, id: 1)
        identifier.encode(to: &writer)
        writer.writeFieldStop()
    }

    init(identifier: HandleIdentifier) { self.identifier = identifier }

    init(from reader: inout ThriftBinaryReader) throws(ThriftError) {
        var identifier: HandleIdentifier?
        try reader.readStruct { reader, field throws(ThriftError) in
            guard field.id == 1, field.type == .struct else { return false }
            identifier = try HandleIdentifier(from: &reader)
            return true
        }
        guard let identifier else { throw ThriftError(.invalidField, "TSessionHandle lacks sessionId") }
        self.identifier = identifier
    }
}

/// `TOperationType`.
enum OperationType: Int32, Sendable {
    case executeStatement = 0
    case getTypeInfo, getCatalogs, getSchemas, getTables, getTableTypes, getColumns, getFunctions, unknown
}

/// `TOperationHandle`.
struct OperationHandle: Sendable, Hashable {
    var identifier: HandleIdentifier
    var type: Int32
    var hasResultSet: Bool
    var modifiedRowCount: Double?

    func encode(to writer: inout ThriftBinaryWriter) {
        writer.writeFieldBegin(.struct, id: 1)
        identifier.encode(to: &writer)
        writer.writeFieldBegin(.i32, id: 2)
        writer.writeI32(type)
        writer.writeBoolField(id: 3, hasResultSet)
        if let modifiedRowCount {
            writer.writeFieldBegin(.double, id: 4)
            writer.writeDouble(modifiedRowCount)
        }
        writer.writeFieldStop()
    }

    init(from reader: inout ThriftBinaryReader) throws(ThriftError) {
        var identifier: HandleIdentifier?
        var type: Int32 = OperationType.unknown.rawValue
        var hasResultSet = false
        var modified: Double?
        try reader.readStruct { reader, field throws(ThriftError) in
            switch (field.id, field.type) {
            case (1, .struct): identifier = try HandleIdentifier(from: &reader)
            case (2, .i32): type = try reader.readI32()
            case (3, .bool): hasResultSet = try reader.readBool()
            case (4, .double): modified = try reader.readDouble()
            default: return false
            }
            return true
        }
        guard let identifier else { throw ThriftError(.invalidField, "TOperationHandle lacks operationId") }
        self.identifier = identifier
        self.type = type
        self.hasResultSet = hasResultSet
        self.modifiedRowCount = modified
    }
}

/// `TStatusCode`.
enum StatusCode: Int32, Sendable {
    case success = 0
    case successWithInfo, stillExecuting, error, invalidHandle
}

/// `TStatus`: whether a call worked, and the server's error when not.
struct ResponseStatus: Sendable, Hashable {
    var code: Int32 = 0
    var infoMessages: [String] = []
    var sqlState: String?
    var errorCode: Int32?
    var errorMessage: String?
    var displayMessage: String?

    var isSuccess: Bool {
        code == StatusCode.success.rawValue || code == StatusCode.successWithInfo.rawValue || code == StatusCode.stillExecuting.rawValue
    }

    init() {}

    init(from reader: inout ThriftBinaryReader) throws(ThriftError) {
        try reader.readStruct { reader, field throws(ThriftError) in
            switch (field.id, field.type) {
            case (1, .i32): code = try reader.readI32()
            case (2, .list):
                let (type, count) = try reader.readListBegin()
                guard type == .binary else {
                    for _ in 0..<count { try reader.skip(type) }
                    return true
                }
                for _ in 0..<count { infoMessages.append(try reader.readString()) }
            case (3, .binary): sqlState = try reader.readString()
            case (4, .i32): errorCode = try reader.readI32()
            case (5, .binary): errorMessage = try reader.readString()
            case (6, .binary): displayMessage = try reader.readString()
            default: return false
            }
            return true
        }
    }
}

/// Reads a response struct whose field 1 is a `TStatus`, handing other fields to `body`.
func readResponse(
    _ reader: inout ThriftBinaryReader,
    _ body: (inout ThriftBinaryReader, ThriftFieldHeader) throws(ThriftError) -> Bool
) throws(ThriftError) -> ResponseStatus {
    var status: ResponseStatus?
    try reader.readStruct { reader, field throws(ThriftError) in
        if field.id == 1, field.type == .struct {
            status = try ResponseStatus(from: &reader)
            return true
        }
        return try body(&reader, field)
    }
    guard let status else { throw ThriftError(.invalidField, "response lacks its status") }
    return status
}
