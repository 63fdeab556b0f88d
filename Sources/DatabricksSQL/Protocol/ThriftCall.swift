// One TCLIService call as one Thrift message: the CALL envelope around a request, and the REPLY
// (or TApplicationException) around a response.
import Thrift

/// A TCLIService response struct that decodes itself.
protocol ThriftResponse: Sendable {
    init(from reader: inout ThriftBinaryReader) throws(ThriftError)
}

enum ThriftCall {
    /// A CALL message `method(1: request)`.
    static func encode(method: String, sequenceId: Int32, request: (inout ThriftBinaryWriter) -> Void) -> [UInt8] {
        var writer = ThriftBinaryWriter()
        writer.writeMessageBegin(ThriftMessageHeader(name: method, type: .call, sequenceId: sequenceId))
        writer.writeFieldBegin(.struct, id: 1)
        request(&writer)
        writer.writeFieldStop()
        return writer.bytes
    }

    /// The result struct (field 0) of a REPLY to `method`, as `Response`.
    static func decodeReply<Response: ThriftResponse>(
        _ bytes: [UInt8],
        method: String,
        sequenceId: Int32?,
        as type: Response.Type
    ) throws(DatabricksSQLError) -> Response {
        try decodeReply(bytes, method: method, sequenceId: sequenceId) { (reader: inout ThriftBinaryReader) throws(ThriftError) in
            try Response(from: &reader)
        }
    }

    /// The result struct (field 0) of a REPLY to `method`.
    static func decodeReply<Response>(
        _ bytes: [UInt8],
        method: String,
        sequenceId: Int32?,
        response: (inout ThriftBinaryReader) throws(ThriftError) -> Response
    ) throws(DatabricksSQLError) -> Response {
        do {
            var reader = ThriftBinaryReader(bytes)
            let header = try reader.readMessageBegin()
            if header.type == .exception {
                var message = "the server raised an application exception"
                var type: Int32 = 0
                try reader.readStruct { reader, field throws(ThriftError) in
                    switch (field.id, field.type) {
                    case (1, .binary): message = try reader.readString()
                    case (2, .i32): type = try reader.readI32()
                    default: return false
                    }
                    return true
                }
                throw DatabricksSQLError(.protocolViolation, "\(method): \(message) (TApplicationException type \(type))")
            }
            guard header.type == .reply, header.name == method else {
                throw DatabricksSQLError(.protocolViolation, "expected a reply to \(method), got \(header.type) \(header.name.prefix(64))")
            }
            if let sequenceId, header.sequenceId != sequenceId {
                throw DatabricksSQLError(.protocolViolation, "reply to \(method) has sequence id \(header.sequenceId), expected \(sequenceId)")
            }
            var result: Response?
            try reader.readStruct { reader, field throws(ThriftError) in
                guard field.id == 0, field.type == .struct else { return false }
                result = try response(&reader)
                return true
            }
            guard let result else { throw DatabricksSQLError(.protocolViolation, "reply to \(method) carries no result") }
            return result
        } catch let error as DatabricksSQLError {
            throw error
        } catch {
            throw DatabricksSQLError(.protocolViolation, "reply to \(method) is not valid Thrift: \(error)")
        }
    }
}
