// Errors of the Thrift codecs: typed, never a crash, never an unbounded allocation.

/// Why Thrift bytes could not be read or a message could not be written.
public struct ThriftError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure; new kinds may be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let rawValue: String
        /// The input ended inside a value.
        public static let truncated = Code(rawValue: "truncated")
        /// A length, size or count is negative or larger than the remaining input.
        public static let invalidLength = Code(rawValue: "invalidLength")
        /// A type code that Thrift does not define.
        public static let unknownType = Code(rawValue: "unknownType")
        /// Structures nested deeper than the codec allows.
        public static let depthExceeded = Code(rawValue: "depthExceeded")
        /// A message header that is not a strict Thrift message.
        public static let badMessageHeader = Code(rawValue: "badMessageHeader")
        /// A field has the wrong type, or a required field is missing.
        public static let invalidField = Code(rawValue: "invalidField")
        /// A varint longer than its type allows.
        public static let invalidVarint = Code(rawValue: "invalidVarint")
        /// A string that is not UTF-8.
        public static let invalidUTF8 = Code(rawValue: "invalidUTF8")
        /// The code's name.
        public var description: String { rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// What was being read, e.g. `TOpenSessionResp.status`.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}
