// The Thrift type codes shared by the binary and compact protocols.

/// A Thrift value type, with its binary-protocol code.
public enum ThriftType: UInt8, Sendable, Hashable {
    /// End of a struct's fields.
    case stop = 0
    /// A boolean.
    case bool = 2
    /// A signed byte.
    case i8 = 3
    /// A 64-bit float.
    case double = 4
    /// A 16-bit integer.
    case i16 = 6
    /// A 32-bit integer (also enums).
    case i32 = 8
    /// A 64-bit integer.
    case i64 = 10
    /// Bytes or a UTF-8 string.
    case binary = 11
    /// A struct (also unions and exceptions).
    case `struct` = 12
    /// A map.
    case map = 13
    /// A set.
    case set = 14
    /// A list.
    case list = 15
    /// A UUID (16 bytes).
    case uuid = 16

    /// The least number of bytes one value of this type takes on the wire (used to bound counts).
    var minimumEncodedSize: Int {
        switch self {
        case .stop: 0
        case .bool, .i8: 1
        case .i16: 1
        case .i32, .i64: 1
        case .double: 8
        case .binary: 1
        case .struct: 1
        case .map, .set, .list: 1
        case .uuid: 16
        }
    }
}

/// The kinds of Thrift messages.
public enum ThriftMessageType: UInt8, Sendable, Hashable {
    /// A request.
    case call = 1
    /// A normal reply.
    case reply = 2
    /// A `TApplicationException` reply.
    case exception = 3
    /// A request without reply.
    case oneway = 4
}

/// A field header: its type and id.
public struct ThriftFieldHeader: Sendable, Hashable {
    /// The value type; `.stop` ends the struct.
    public var type: ThriftType
    /// The field id.
    public var id: Int16
}

/// A message header.
public struct ThriftMessageHeader: Sendable, Hashable {
    /// The method name.
    public var name: String
    /// The message type.
    public var type: ThriftMessageType
    /// The sequence id that pairs a reply with its call.
    public var sequenceId: Int32

    /// Creates a header.
    public init(name: String, type: ThriftMessageType, sequenceId: Int32) {
        self.name = name
        self.type = type
        self.sequenceId = sequenceId
    }
}
