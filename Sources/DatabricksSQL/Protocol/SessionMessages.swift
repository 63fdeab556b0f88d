// OpenSession and CloseSession.
import Thrift

/// `TOpenSessionReq`.
struct OpenSessionRequest: Sendable {
    /// `client_protocol` (field 1): a Hive protocol version OSS servers understand.
    var clientProtocol: Int32?
    var username: String?
    var password: String?
    var configuration: [String: String] = [:]
    /// `client_protocol_i64` (0x502): Databricks' protocol version, ignored by OSS servers.
    var clientProtocolI64: Int64?
    var initialCatalog: String?
    var initialSchema: String?
    var canUseMultipleCatalogs: Bool?

    func encode(to writer: inout ThriftBinaryWriter) {
        if let clientProtocol {
            writer.writeFieldBegin(.i32, id: 1)
            writer.writeI32(clientProtocol)
        }
        writer.writeStringField(id: 2, username)
        writer.writeStringField(id: 3, password)
        writer.writeStringMapField(id: 4, configuration)
        if let clientProtocolI64 {
            writer.writeFieldBegin(.i64, id: 0x502)
            writer.writeI64(clientProtocolI64)
        }
        if initialCatalog != nil || initialSchema != nil {
            writer.writeFieldBegin(.struct, id: 0x504)
            writer.writeStringField(id: 1, initialCatalog)
            writer.writeStringField(id: 2, initialSchema)
            writer.writeFieldStop()
        }
        if let canUseMultipleCatalogs { writer.writeBoolField(id: 0x505, canUseMultipleCatalogs) }
        writer.writeFieldStop()
    }
}

/// `TOpenSessionResp`.
struct OpenSessionResponse: ThriftResponse {
    var status: ResponseStatus
    var serverProtocolVersion: Int32 = 0
    var sessionHandle: SessionHandle?
    var configuration: [String: String] = [:]
    var initialCatalog: String?
    var initialSchema: String?

    init(from reader: inout ThriftBinaryReader) throws(ThriftError) {
        var version: Int32 = 0
        var handle: SessionHandle?
        var configuration: [String: String] = [:]
        var catalog: String?
        var schema: String?
        status = try readResponse(&reader) { reader, field throws(ThriftError) in
            switch (field.id, field.type) {
            case (2, .i32): version = try reader.readI32()
            case (3, .struct): handle = try SessionHandle(from: &reader)
            case (4, .map): configuration = try reader.readStringMap()
            case (0x504, .struct):
                try reader.readStruct { reader, field throws(ThriftError) in
                    switch (field.id, field.type) {
                    case (1, .binary): catalog = try reader.readString()
                    case (2, .binary): schema = try reader.readString()
                    default: return false
                    }
                    return true
                }
            default: return false
            }
            return true
        }
        serverProtocolVersion = version
        sessionHandle = handle
        self.configuration = configuration
        initialCatalog = catalog
        initialSchema = schema
    }
}

/// `TCloseSessionReq`.
struct CloseSessionRequest: Sendable {
    var sessionHandle: SessionHandle

    func encode(to writer: inout ThriftBinaryWriter) {
        writer.writeFieldBegin(.struct, id: 1)
        sessionHandle.encode(to: &writer)
        writer.writeFieldStop()
    }
}

/// A response that carries only its status (`TCloseSessionResp`, `TCloseOperationResp`, `TCancelOperationResp`).
struct StatusOnlyResponse: ThriftResponse {
    var status: ResponseStatus

    init(from reader: inout ThriftBinaryReader) throws(ThriftError) {
        status = try readResponse(&reader) { _, _ throws(ThriftError) in false }
    }
}
